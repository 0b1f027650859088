import { describe, expect, it } from 'vitest';
import { createEventValidator, triageBatch } from '../../../src/collector/validate.js';
import { wireEvent } from './harness.js';

const validate = createEventValidator();

function reasonFor(raw: unknown): string {
  const result = validate(raw);
  if (result.ok) throw new Error('expected a rejection');
  expect(result.code).toBe('invalid-event');
  return result.reason;
}

describe('createEventValidator', () => {
  it('accepts every event type in its minimal valid form', () => {
    const base = { messageId: 'm1', anonymousId: 'a', timestamp: '2026-11-28T12:00:00Z' };
    for (const raw of [
      { ...base, type: 'track', event: 'signed_up' },
      { ...base, type: 'page' },
      { ...base, type: 'identify', userId: 'u1', traits: { plan: 'pro' } },
      { ...base, type: 'alias', userId: 'u1', previousId: 'anon' },
      { ...base, type: 'group', groupId: 'g1' },
    ]) {
      expect(validate(raw)).toEqual({ ok: true, event: raw });
    }
  });

  it('accepts userId instead of anonymousId', () => {
    const e = wireEvent({ anonymousId: undefined, userId: 'u-9' });
    expect(validate(e).ok).toBe(true);
  });

  it('names the field in each reason', () => {
    expect(reasonFor({ ...wireEvent(), messageId: undefined })).toBe('/messageId is required');
    expect(reasonFor(wireEvent({ type: 'screen' as never }))).toBe(
      '/type must be equal to one of the allowed values: track, page, identify, alias, group',
    );
    expect(reasonFor(wireEvent({ event: undefined }))).toBe('/event is required');
    expect(reasonFor(wireEvent({ event: 'Clicked Button' }))).toBe('/event must match pattern "^[a-z][a-z0-9_]*$"');
    expect(reasonFor(wireEvent({ timestamp: '2026-11-28 12:00' }))).toBe('/timestamp must match format "date-time"');
    expect(reasonFor(wireEvent({ anonymousId: undefined }))).toBe('one of /anonymousId, /userId is required');
    expect(reasonFor(wireEvent({ type: 'alias', event: undefined, userId: 'u1' }))).toBe('/previousId is required');
    expect(reasonFor({ ...wireEvent(), context: { homing: { seq: -1 } } })).toBe('/context/homing/seq must be >= 0');
    expect(reasonFor({ ...wireEvent(), properties: [] })).toBe('/properties must be object');
    expect(reasonFor('track')).toBe('event must be object');
  });

  it('rejects a timestamp the format allows but Date cannot hold (leap second)', () => {
    expect(reasonFor(wireEvent({ timestamp: '2016-12-31T23:59:60Z' }))).toBe('/timestamp is not a representable date');
  });
});

describe('triageBatch', () => {
  it('splits a batch into first copies, repeats and indexed rejections, in order', () => {
    const a = wireEvent();
    const b = wireEvent();
    const bad = wireEvent({ event: 'Bad' });

    const triage = triageBatch([a, bad, b, { ...a }, null], validate);

    expect(triage.valid.map((e) => e.messageId)).toEqual([a.messageId, b.messageId]);
    expect(triage.repeated).toEqual([a.messageId]);
    expect(triage.rejected.map((r) => [r.index, r.messageId])).toEqual([
      [1, bad.messageId],
      [4, ''],
    ]);
  });

  it('does not count an invalid first copy as seen, so a valid later copy is stored', () => {
    const e = wireEvent();
    const triage = triageBatch([{ ...e, event: 'Bad' }, e], validate);
    expect(triage.valid).toEqual([e]);
    expect(triage.repeated).toEqual([]);
    expect(triage.rejected).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { createEventValidator, fastDateTime, triageBatch } from '../../../src/collector/validate.js';
import { wireEvent } from '../../helpers/events.js';

const validate = createEventValidator();

function reasonFor(raw: unknown): string {
  const result = validate(raw);
  if (result.ok) throw new Error('expected a rejection');
  expect(result.code).toBe('invalid-event');
  return result.reason;
}

describe('createEventValidator', () => {
  it('leaves the size to the caller with checkSize: false (the ingest path checks the stored JSON)', () => {
    const big = wireEvent({ properties: { pad: 'x'.repeat(40_000) } });
    expect(createEventValidator({ checkSize: false })(big).ok).toBe(true);
    expect(createEventValidator({ checkSize: false })(wireEvent({ timestamp: '2016-12-31T23:59:60Z' }))).toMatchObject({ ok: false, reason: '/timestamp is not a representable date' });
  });

  it('accepts every event type in its minimal valid form', () => {
    const base = { messageId: 'm1', anonymousId: 'a', timestamp: '2026-11-28T12:00:00Z' };
    for (const raw of [
      { ...base, type: 'track', event: 'signed_up' },
      { ...base, type: 'page' },
      { ...base, type: 'screen', name: 'Home' },
      { ...base, type: 'identify', userId: 'u1', traits: { plan: 'pro' } },
      { ...base, type: 'alias', userId: 'u1', previousId: 'anon' },
      { ...base, type: 'group', groupId: 'g1' },
    ]) {
      expect(validate(raw)).toEqual({ ok: true, event: raw, flags: null });
    }
  });

  it('accepts userId instead of anonymousId', () => {
    const e = wireEvent({ anonymousId: undefined, userId: 'u-9' });
    expect(validate(e).ok).toBe(true);
  });

  it('names the field in each reason', () => {
    expect(reasonFor({ ...wireEvent(), messageId: 7 })).toBe('/messageId must be string');
    expect(reasonFor(wireEvent({ type: 'view' as never }))).toBe(
      '/type must be equal to one of the allowed values: track, page, screen, identify, alias, group',
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

  it('applies the naming and count rules of the shared schema', () => {
    expect(reasonFor(wireEvent({ event: 'a'.repeat(65) }))).toBe('/event must NOT have more than 64 characters');
    expect(reasonFor(wireEvent({ properties: { 'order-id': 'o1' } }))).toBe(
      '/properties property name "order-id" must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"',
    );
    expect(reasonFor(wireEvent({ type: 'identify', userId: 'u', traits: { ['t'.repeat(65)]: 1 } }))).toBe(
      `/traits property name "${'t'.repeat(64)}…" must NOT have more than 64 characters`,
    );
    const props = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]));
    expect(validate(wireEvent({ properties: props(100) })).ok).toBe(true);
    expect(reasonFor(wireEvent({ properties: props(101) }))).toBe('/properties must NOT have more than 100 properties');
  });

  it('rejects an event over 32 KB of JSON plus the delivery headroom, with the worker\'s code and wording', () => {
    const limit = 32768 + 2048; // the worker's limit, plus what the service worker adds afterwards
    const e = wireEvent({ properties: { pad: '' } });
    e.properties = { pad: 'x'.repeat(limit - JSON.stringify(e).length) };
    expect(validate(e).ok).toBe(true);
    e.properties = { pad: `${e.properties.pad as string}x` };
    expect(validate(e)).toEqual({ ok: false, code: 'too-large', reason: `event is ${limit + 1} bytes of JSON; at most ${limit}` });
  });
});

describe('fastDateTime', () => {
  const ajv = new Ajv();
  addFormats.default(ajv, ['date-time']);
  const full = ajv.formats['date-time'] as { validate: (s: string) => boolean };
  const fast = fastDateTime(full);

  it('gives the full check\'s verdict on edge cases, canonical or not', () => {
    const cases = [
      '2026-11-28T12:00:00.000Z', '2024-02-29T00:00:00.000Z', '2026-02-29T00:00:00.000Z', '2000-02-29T23:59:59.999Z',
      '1900-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-00-10T00:00:00.000Z', '2026-13-10T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z', '2026-12-31T24:00:00.000Z', '2026-12-31T23:60:00.000Z', '2016-12-31T23:59:60.000Z',
      '2016-12-31T22:59:60.000Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2026-11-28t12:00:00.000z',
      '2026-11-28T12:00:00Z', '2026-11-28T12:00:00.1Z', '2026-11-28T12:00:00.000+01:00', '2026-11-28 12:00:00.000Z',
      '2026-11-28T12:00:00.000', '+02026-11-28T12:00:00.000Z', '2026-11-28T12:00:00.000Z ', 'yesterday', '',
    ];
    for (const s of cases) expect([s, fast(s)]).toEqual([s, full.validate(s)]);
  });

  it('agrees on 20,000 random canonical-shaped strings', () => {
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const two = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 20_000; i++) {
      const s = `${String(1900 + rnd(300)).padStart(4, '0')}-${two(rnd(14))}-${two(rnd(33))}T${two(rnd(26))}:${two(rnd(62))}:${two(rnd(62))}.${String(rnd(1000)).padStart(3, '0')}Z`;
      expect(fast(s)).toBe(full.validate(s));
    }
  });
});

describe('lone surrogates', () => {
  it('are refused in the fields that become columns and keys (UTF-8 would turn them into U+FFFD)', () => {
    expect(reasonFor(wireEvent({ messageId: 'id-\ud800' }))).toBe('/messageId contains a lone surrogate (not valid Unicode)');
    expect(reasonFor(wireEvent({ anonymousId: '\udc00x' }))).toBe('/anonymousId contains a lone surrogate (not valid Unicode)');
    expect(reasonFor(wireEvent({ userId: 'u\ud83d' }))).toBe('/userId contains a lone surrogate (not valid Unicode)');
  });

  it('are kept in property values, and a well-formed pair (an emoji) is fine anywhere', () => {
    expect(validate(wireEvent({ properties: { note: 'half \ud800 pair' } })).ok).toBe(true);
    expect(validate(wireEvent({ messageId: 'id-🦊', anonymousId: 'אנונימי', userId: 'مستخدم' })).ok).toBe(true);
  });
});

describe('triageBatch', () => {
  it('splits a batch into first copies, repeats and indexed rejections, in order', () => {
    const a = wireEvent();
    const b = wireEvent();
    const bad = wireEvent({ event: 'Bad' });

    const triage = triageBatch([a, bad, b, { ...a }, null], validate);

    expect(triage.valid.map((e) => e.messageId)).toEqual([a.messageId, b.messageId]);
    expect(triage.validIndex).toEqual([0, 2]);
    expect(triage.repeated).toEqual([a.messageId]);
    expect(triage.repeatedIndex).toEqual([3]);
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

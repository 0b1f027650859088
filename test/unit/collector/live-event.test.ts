import { describe, expect, it } from 'vitest';
import { liveEventJson, MAX_LIVE_PAYLOAD_CHARS, toLiveEvents, trimPayload } from '../../../src/collector/live/live-event.js';
import type { IngestOutcome } from '../../../src/collector/observe.js';
import { wireEvent } from '../../helpers/events.js';

function outcome(overrides: Partial<IngestOutcome>): IngestOutcome {
  return { receivedAt: 1_000, channel: 'browser', items: [], accepted: [], duplicate: [], rejected: [], ...overrides };
}

describe('toLiveEvents', () => {
  it('gives each item, in order, the result of its receipt', () => {
    const a = wireEvent({ event: 'add_to_cart', userId: 'u-1' });
    const old = wireEvent();
    const bad = { type: 'track', messageId: 'not-a-uuid' };
    const events = toLiveEvents(outcome({
      items: [a, old, bad, 42],
      accepted: [a.messageId],
      duplicate: [old.messageId],
      rejected: [
        { index: 2, messageId: 'not-a-uuid', code: 'invalid-event', reason: '/messageId must be a UUID' },
        { index: 3, messageId: '', code: 'invalid-event', reason: 'an event must be a JSON object' },
      ],
    }));
    expect(events.map((e) => e.result)).toEqual(['accepted', 'duplicate', 'rejected', 'rejected']);
    expect(events[0]).toMatchObject({
      at: 1_000, channel: 'browser', messageId: a.messageId, type: 'track', event: 'add_to_cart', anonymousId: 'anon-1', userId: 'u-1',
      sessionId: 'sess-1', payload: a,
    });
    expect(events[0].code).toBeUndefined();
    expect(events[2]).toMatchObject({ messageId: 'not-a-uuid', event: null, code: 'invalid-event', reason: '/messageId must be a UUID' });
    expect(events[3]).toMatchObject({ messageId: null, type: null, anonymousId: null, sessionId: null, payload: 42 });
  });

  it('answers the second copy of an id inside one request duplicate, the first accepted', () => {
    const a = wireEvent();
    const events = toLiveEvents(outcome({ items: [a, a], accepted: [a.messageId], duplicate: [a.messageId] }));
    expect(events.map((e) => e.result)).toEqual(['accepted', 'duplicate']);
  });

  it('gives an accepted event its sender\'s policy flagged the rules it broke, and no other copy', () => {
    const named = wireEvent({ event: 'Order Completed' });
    const ok = wireEvent();
    const events = toLiveEvents(outcome({
      items: [named, ok, named],
      accepted: [named.messageId, ok.messageId],
      duplicate: [named.messageId],
      flagged: [{ messageId: named.messageId, index: 0, rules: ['event-name', 'site-schema'] }],
    }));
    expect(events.map((e) => [e.result, e.flagged])).toEqual([['accepted', ['event-name', 'site-schema']], ['accepted', undefined], ['duplicate', undefined]]);
    expect('flagged' in events[1]).toBe(false);
    expect(JSON.parse(liveEventJson(events[0]))).toMatchObject({ result: 'accepted', flagged: ['event-name', 'site-schema'], payload: named });
  });

  it('marks every item failed with the store failure, except the rejected ones', () => {
    const a = wireEvent();
    const events = toLiveEvents(outcome({
      items: [a, {}],
      rejected: [{ index: 1, messageId: '', code: 'invalid-event', reason: 'no type' }],
      failed: { code: 'store-busy', reason: 'queue full' },
    }));
    expect(events.map((e) => [e.result, e.code])).toEqual([['failed', 'store-busy'], ['rejected', 'invalid-event']]);
    expect(events[0].reason).toBe('queue full');
  });

  it('cuts long payloads to the start of their JSON, and overlong strings in the summary', () => {
    const big = wireEvent({ properties: { blob: 'x'.repeat(10_000) }, anonymousId: 'a'.repeat(1_000) });
    const [e] = toLiveEvents(outcome({ items: [big], accepted: [big.messageId] }));
    expect(typeof e.payload).toBe('string');
    expect((e.payload as string).length).toBe(MAX_LIVE_PAYLOAD_CHARS + 1);
    expect((e.payload as string).endsWith('…')).toBe(true);
    expect(e.anonymousId).toHaveLength(200);
    expect(trimPayload(undefined)).toBeNull();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(trimPayload(cyclic)).toBe('[not serialisable]');
  });

  it('serialises a LiveEvent to the same JSON whether or not its payload JSON was kept', () => {
    const a = wireEvent({ properties: { quote: 'say "hi"\n', n: 1 } });
    const big = wireEvent({ properties: { blob: 'y'.repeat(5_000) } });
    const events = toLiveEvents(outcome({ items: [a, big, 7], accepted: [a.messageId, big.messageId] }));
    for (const e of events) {
      expect(JSON.parse(liveEventJson(e))).toEqual(JSON.parse(JSON.stringify(e)));
      expect(JSON.parse(liveEventJson({ ...e }))).toEqual(JSON.parse(JSON.stringify(e)));
    }
    expect(JSON.parse(liveEventJson(events[0])).payload).toEqual(a);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { BatchAnswer } from '../../../src/collector/index.js';
import { createFailingStoreHarness } from './failing-store.js';
import { createHarness, postBatch, type Harness } from './harness.js';
import { NOW, wireEvent } from '../../helpers/events.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('POST /v1/batch', () => {
  it('stores each event of a batch once and answers accepted receipts', async () => {
    h = createHarness();
    const events = [wireEvent(), wireEvent({ event: 'cart_viewed' }), wireEvent({ type: 'page', event: undefined, name: 'Home' })];

    const res = await postBatch(h.app, events, { sentAt: '2026-11-28T12:00:05.000Z' });

    expect(res.statusCode).toBe(200);
    const answer = res.json<BatchAnswer>();
    expect(answer.accepted).toEqual(events.map((e) => e.messageId));
    expect(answer.duplicate).toEqual([]);
    expect(answer.rejected).toEqual([]);
    expect(h.store.count()).toBe(3);
    expect(h.store.getEvent(events[1].messageId)?.event).toBe('cart_viewed');
  });

  it('answers a resent batch with duplicates only and stores nothing new', async () => {
    h = createHarness();
    const events = [wireEvent(), wireEvent()];
    await postBatch(h.app, events);

    const again = await postBatch(h.app, events);

    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ accepted: [], duplicate: events.map((e) => e.messageId), rejected: [] });
    expect(h.store.count()).toBe(2);
  });

  it('keeps the first stored copy when a resend differs', async () => {
    h = createHarness();
    const first = wireEvent({ properties: { v: 1 } });
    await postBatch(h.app, [first]);
    await postBatch(h.app, [{ ...first, properties: { v: 2 } }]);

    expect(h.store.getEvent(first.messageId)?.payload.properties).toEqual({ v: 1 });
  });

  it('stores the good events of a mixed batch and rejects the bad ones with a reason naming the field', async () => {
    h = createHarness();
    const good = [wireEvent(), wireEvent()];
    const badName = wireEvent({ event: 'Product Viewed' });
    const noIdentity = wireEvent({ anonymousId: undefined });
    const badTime = wireEvent({ timestamp: 'yesterday' });

    const res = await postBatch(h.app, [good[0], badName, noIdentity, good[1], badTime, 42]);

    expect(res.statusCode).toBe(200);
    const answer = res.json<BatchAnswer>();
    expect(answer.accepted).toEqual(good.map((e) => e.messageId));
    expect(answer.rejected).toEqual([
      { messageId: badName.messageId, code: 'invalid-event', reason: '/event must match pattern "^[a-z][a-z0-9_]*$"', index: 1 },
      { messageId: noIdentity.messageId, code: 'invalid-event', reason: 'one of /anonymousId, /userId is required', index: 2 },
      { messageId: badTime.messageId, code: 'invalid-event', reason: '/timestamp must match format "date-time"', index: 4 },
      // Not an object: no id to echo, so '' and the index identify it.
      { messageId: '', code: 'invalid-event', reason: 'event must be object', index: 5 },
    ]);
    expect(h.store.count()).toBe(2);
    expect(h.store.getEvent(badName.messageId)).toBeUndefined();
  });

  it('gives a rejected event with an unusable messageId an empty id and its index', async () => {
    h = createHarness();
    const res = await postBatch(h.app, [wireEvent(), { ...wireEvent(), messageId: 7 }]);

    expect(res.json<BatchAnswer>().rejected).toEqual([{ messageId: '', code: 'invalid-event', reason: '/messageId must be string', index: 1 }]);
  });

  it('stores a messageId repeated inside one batch once and answers the repeat as a duplicate', async () => {
    h = createHarness();
    const e = wireEvent();

    const res = await postBatch(h.app, [e, { ...e, properties: { copy: 2 } }]);

    expect(res.json()).toEqual({ accepted: [e.messageId], duplicate: [e.messageId], rejected: [] });
    expect(h.store.count()).toBe(1);
    expect(h.store.getEvent(e.messageId)?.payload.properties).toEqual(e.properties);
  });

  it('sets receivedAt from the collector clock, overriding whatever the client sent', async () => {
    h = createHarness();
    const e = wireEvent({ receivedAt: '2001-01-01T00:00:00.000Z' });

    await postBatch(h.app, [e]);

    const stored = h.store.getEvent(e.messageId)!;
    expect(stored.receivedAt).toBe(NOW);
    expect(stored.payload.receivedAt).toBe(new Date(NOW).toISOString());
  });

  it('corrects the capture time for client clock skew and keeps the original timestamp', async () => {
    h = createHarness();
    // The client clock is one hour ahead: it captured 5 s before it sent, by its own clock.
    const e = wireEvent({ timestamp: '2026-11-28T13:00:05.000Z' });

    await postBatch(h.app, [e], { sentAt: '2026-11-28T13:00:10.000Z' });

    const stored = h.store.getEvent(e.messageId)!;
    expect(stored.ts).toBe(NOW - 5_000);
    expect(stored.payload.timestamp).toBe('2026-11-28T12:00:05.000Z');
    expect(stored.payload.originalTimestamp).toBe('2026-11-28T13:00:05.000Z');
    expect(stored.sentAt).toBe(Date.parse('2026-11-28T13:00:10.000Z'));
  });

  it("prefers the event's own sentAt over the envelope's", async () => {
    h = createHarness();
    const e = wireEvent({ timestamp: '2026-11-28T12:00:00.000Z', sentAt: '2026-11-28T12:00:02.000Z' });

    await postBatch(h.app, [e], { sentAt: '2026-11-28T12:00:09.000Z' });

    expect(h.store.getEvent(e.messageId)!.ts).toBe(NOW - 2_000);
  });

  it('stores the client timestamp unchanged when no sentAt is usable', async () => {
    h = createHarness();
    const a = wireEvent({ timestamp: '2026-11-28T11:00:00.000Z' });
    const b = wireEvent({ timestamp: '2026-11-28T11:00:00.000Z' });
    await postBatch(h.app, [a]);
    await postBatch(h.app, [b], { sentAt: 'not a date' });

    for (const e of [a, b]) {
      const stored = h.store.getEvent(e.messageId)!;
      expect(stored.ts).toBe(Date.parse('2026-11-28T11:00:00.000Z'));
      expect(stored.sentAt).toBeNull();
      expect(stored.payload.originalTimestamp).toBe(stored.payload.timestamp);
    }
  });

  it('answers an empty batch with empty receipts', async () => {
    h = createHarness();
    const res = await postBatch(h.app, []);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: [], duplicate: [], rejected: [] });
  });

  it('answers 503 and stores nothing when the store fails, and the resend then succeeds', async () => {
    const failing = createFailingStoreHarness();
    h = failing;
    const events = [wireEvent(), wireEvent()];

    const res = await postBatch(h.app, events);

    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect(res.json()).toEqual({ error: 'store-unavailable', reason: expect.any(String) });
    expect(h.store.count()).toBe(0);

    failing.heal();
    const retry = await postBatch(h.app, events);
    expect(retry.json<BatchAnswer>().accepted).toEqual(events.map((e) => e.messageId));
  });

  describe('envelope errors fail the whole request with 400', () => {
    it.each([
      ['not JSON', '{"batch": [', 'invalid-json'],
      ['a JSON array', '[]', 'invalid-envelope'],
      ['no batch', '{"events": []}', 'invalid-envelope'],
      ['batch not an array', '{"batch": {}}', 'invalid-envelope'],
      ['an empty body', '', 'invalid-json'],
    ])('%s', async (_label, payload, code) => {
      h = createHarness();
      const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json' }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: code, reason: expect.any(String) });
      expect(h.store.count()).toBe(0);
    });

    it("a body over maxBatchBytes (Segment's 500 KB): 413, so the client splits the batch", async () => {
      h = createHarness({ maxBatchBytes: 2_000 });
      const res = await postBatch(h.app, Array.from({ length: 10 }, () => wireEvent()));
      expect(res.statusCode).toBe(413);
      expect(res.json()).toEqual({ error: 'body-too-large', reason: expect.any(String) });
      expect(h.store.count()).toBe(0);
    });

    it('limits a batch by bytes, not by events: 1,200 small events under 500 KB are all stored', async () => {
      h = createHarness();
      // Small events, as a server library sends them: the request is far under 500 KB.
      const events = Array.from({ length: 1_200 }, (_, i) => ({ type: 'track', event: 'item_viewed', messageId: `m-${i}`, anonymousId: 'a', timestamp: new Date(NOW).toISOString() }));
      const body = JSON.stringify({ batch: events });
      expect(body.length).toBeLessThan(500 * 1024);
      const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json' }, payload: body });
      expect(res.statusCode).toBe(200);
      expect(res.json<BatchAnswer>().accepted).toHaveLength(1_200);
      expect(h.store.count()).toBe(1_200);
    });
  });
});

describe('other routes', () => {
  it('GET /healthz answers ok', async () => {
    h = createHarness();
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('an unknown route answers 404 in the collector error shape', async () => {
    h = createHarness();
    const res = await h.app.inject({ method: 'GET', url: '/v2/batch' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not-found', reason: 'no route GET /v2/batch' });
  });
});

describe('size limit', () => {
  it('rejects an event too large once stored, and its repeats in the same batch, without failing the others', async () => {
    h = createHarness();
    const big = wireEvent({ properties: { pad: 'x'.repeat(40_000) } });
    const ok = wireEvent();

    const res = await postBatch(h.app, [big, ok, big]);

    const answer = res.json<BatchAnswer>();
    expect(answer.accepted).toEqual([ok.messageId]);
    expect(answer.duplicate).toEqual([]);
    expect(answer.rejected.map((r) => [r.messageId, r.code, r.index])).toEqual([
      [big.messageId, 'too-large', 0],
      [big.messageId, 'too-large', 2],
    ]);
    expect(h.store.count()).toBe(1);
  });

  it('accepts an event at the worker\'s limit: what the collector adds does not push it over', async () => {
    h = createHarness();
    const e = wireEvent({ properties: { pad: '' } });
    e.properties = { pad: 'x'.repeat(32768 + 2048 - JSON.stringify(e).length) };
    expect(JSON.stringify(e).length).toBe(32768 + 2048);
    expect((await postBatch(h.app, [e])).json<BatchAnswer>().accepted).toEqual([e.messageId]);
  });
});

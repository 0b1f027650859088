/**
 * The live view through a real collector process (the built bin): a stream opened with a key sees
 * each event of a batch with the result its receipt said, filters apply, a reader that stops
 * reading costs ingest nothing and is told what it missed, and SIGTERM ends the streams.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { openSse, type SseClient } from '../../helpers/sse-client.js';
import { ADMIN_KEY, postJson, startCollector, type Collector } from '../../helpers/collector.js';

const READ_KEY = 'read-key-0123456789abcdef';
const ARGS = ['--admin-key', ADMIN_KEY, '--read-keys', READ_KEY];

let c: Collector | undefined;
const streams: SseClient[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await c?.dispose();
  c = undefined;
});

async function live(query = '', key = READ_KEY): Promise<SseClient> {
  const s = await openSse(c!.url, `/v1/live${query}`, { authorization: `Bearer ${key}` });
  streams.push(s);
  expect(s.status).toBe(200);
  await s.waitFor((m) => m.event === 'ready');
  return s;
}

const ingests = (s: SseClient) => s.messages.filter((m) => m.event === 'ingest');

describe('GET /v1/live on a collector process', () => {
  it('sends an accepted, a duplicate and a rejected event with their results; filters by event, device and session', async () => {
    c = await startCollector({ args: ARGS });
    const all = await live('', ADMIN_KEY);
    const byEvent = await live('?event=add_to_cart');
    const byDevice = await live('?device=dev-2');
    const bySession = await live('?session=sess-9');

    const old = wireEvent({ anonymousId: 'dev-2' });
    expect((await postJson(c.url, '/v1/batch', { batch: [old] })).status).toBe(200);
    await all.waitFor((m) => m.event === 'ingest');

    const fresh = wireEvent({ event: 'add_to_cart', context: { ...wireEvent().context, homing: { seq: 2, sessionId: 'sess-9', sessionSeq: 1 } } });
    const bad = { ...wireEvent({ anonymousId: 'dev-2' }), type: 'shout' };
    const res = await postJson(c.url, '/v1/batch', { batch: [fresh, old, bad] });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ accepted: [fresh.messageId], duplicate: [old.messageId], rejected: [{ messageId: bad.messageId, index: 2 }] });

    const [, ...three] = await all.waitFor((m) => m.event === 'ingest', 4);
    expect(three.map((m) => [m.data.messageId, m.data.result])).toEqual([
      [fresh.messageId, 'accepted'],
      [old.messageId, 'duplicate'],
      [bad.messageId, 'rejected'],
    ]);
    expect(three[2].data).toMatchObject({ code: 'invalid-event', reason: expect.any(String), channel: 'browser', type: 'shout', payload: bad });
    expect(three[0].data).toMatchObject({ event: 'add_to_cart', anonymousId: 'anon-1', sessionId: 'sess-9', at: expect.any(Number) });

    // The filtered streams got exactly their share: wait for their last expected message, then
    // check nothing else came (the unfiltered stream already saw every message, so all were sent).
    await byEvent.waitFor((m) => m.event === 'ingest');
    await byDevice.waitFor((m) => m.event === 'ingest', 3);
    await bySession.waitFor((m) => m.event === 'ingest');
    expect(ingests(byEvent).map((m) => m.data.messageId)).toEqual([fresh.messageId]);
    expect(ingests(byDevice).map((m) => m.data.result)).toEqual(['accepted', 'duplicate', 'rejected']);
    expect(ingests(bySession).map((m) => m.data.messageId)).toEqual([fresh.messageId]);
  }, 30_000);

  it('a reader that stops reading does not hold up ingest or the other readers, and learns how many it missed', async () => {
    c = await startCollector({ args: ARGS });
    const slow = await live();
    const fast = await live();
    slow.pause();

    // ~2 KB per message, 20,000 messages: about 40 MB, far beyond what the socket buffers hold
    // and beyond the slow reader's queue.
    const batches = 200;
    const perBatch = 100;
    for (let b = 0; b < batches; b++) {
      const batch = Array.from({ length: perBatch }, (_, i) => wireEvent({ properties: { b, i, pad: 'p'.repeat(1_800) } }));
      const res = await postJson(c.url, '/v1/batch', { batch });
      expect(res.status).toBe(200);
      expect(res.json().accepted).toHaveLength(perBatch);
    }
    const total = batches * perBatch;
    await fast.waitFor((m) => m.event === 'ingest', total);
    expect(fast.messages.some((m) => m.event === 'dropped')).toBe(false);

    slow.resume();
    // Each message was either delivered or counted as dropped; the newest one is always delivered.
    const accounted = () =>
      ingests(slow).length + slow.messages.filter((m) => m.event === 'dropped').reduce((n, m) => n + m.data.dropped, 0);
    await slow.waitFor(() => accounted() === total);
    const dropped = slow.messages.filter((m) => m.event === 'dropped');
    expect(dropped.length).toBeGreaterThan(0);
    expect(ingests(slow).length).toBeLessThan(total);
    expect(ingests(slow).at(-1)!.data.payload.properties).toMatchObject({ b: batches - 1, i: perBatch - 1 });
  }, 120_000);

  it('SIGTERM ends open streams and the process exits cleanly', async () => {
    c = await startCollector({ args: ARGS });
    const a = await live();
    const b = await live('?event=nothing_ever');
    const exit = await c.stop('SIGTERM');
    await Promise.all([a.ended, b.ended]);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 30_000);
});

/**
 * `GET /v1/live` on a collector listening on a real loopback socket (SSE needs a socket; inject
 * waits for an end that a stream never has).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyRing } from '../../../src/collector/keys.js';
import { createHarness, type Harness } from './harness.js';
import { wireEvent } from '../../helpers/events.js';
import { openSse, type SseClient } from '../../helpers/sse-client.js';

const ADMIN = 'admin-key-0123456789abcdef';
const READ = 'read-key-0123456789abcdef';
const WRITE = 'wk_site_1';

let h: Harness | undefined;
let url = '';
const open: SseClient[] = [];

async function start(maxClients = 20): Promise<void> {
  h = createHarness({
    keys: createKeyRing([
      { kind: 'admin', key: ADMIN, label: 'ops' },
      { kind: 'read', key: READ, label: 'dashboard' },
      { kind: 'write', key: WRITE, label: 'site' },
    ]),
    live: { maxClients },
  });
  url = await h.app.listen({ port: 0, host: '127.0.0.1' });
}

async function live(path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const c = await openSse(url, path, headers);
  open.push(c);
  return c;
}

function post(batch: unknown[]) {
  return h!.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json' }, payload: { batch, writeKey: WRITE } });
}

afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await h?.close();
  h = undefined;
});

describe('GET /v1/live', () => {
  it('refuses a missing, unknown or write key with 401 and says which keys work', async () => {
    await start();
    for (const path of ['/v1/live', '/v1/live?key=nope-nope-nope-nope', `/v1/live?key=${WRITE}`]) {
      const c = await live(path);
      expect(c.status).toBe(401);
      expect(JSON.parse(await c.body())).toEqual({ error: 'unauthorized', reason: expect.stringContaining('read or admin key') });
    }
  });

  it('refuses a bad filter with 400 and its reason', async () => {
    await start();
    const c = await live(`/v1/live?session=${'x'.repeat(201)}`, { authorization: `Bearer ${ADMIN}` });
    expect(c.status).toBe(400);
    expect(JSON.parse(await c.body())).toMatchObject({ error: 'invalid-filter', reason: expect.stringContaining('?session') });
  });

  it('streams each event of a batch with its result, to a read or admin key by header or ?key=, filtered', async () => {
    await start();
    const byHeader = await live('/v1/live', { authorization: `Bearer ${READ}` });
    const byQuery = await live(`/v1/live?key=${ADMIN}&event=add_to_cart`);
    expect(byHeader.status).toBe(200);
    expect(byHeader.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(byHeader.headers['cache-control']).toBe('no-store');
    await byHeader.waitFor((m) => m.event === 'ready');
    await byQuery.waitFor((m) => m.event === 'ready');

    const old = wireEvent();
    expect((await post([old])).statusCode).toBe(200);
    const fresh = wireEvent({ event: 'add_to_cart' });
    const bad = { ...wireEvent(), timestamp: 'yesterday' };
    expect((await post([fresh, old, bad])).statusCode).toBe(200);

    const got = await byHeader.waitFor((m) => m.event === 'ingest', 4);
    expect(got.map((m) => [m.data.messageId, m.data.result])).toEqual([
      [old.messageId, 'accepted'],
      [fresh.messageId, 'accepted'],
      [old.messageId, 'duplicate'],
      [bad.messageId, 'rejected'],
    ]);
    expect(got[3].data).toMatchObject({ code: 'invalid-event', reason: expect.stringContaining('timestamp') });
    const carts = await byQuery.waitFor((m) => m.event === 'ingest');
    expect(carts[0].data.messageId).toBe(fresh.messageId);
    expect(byQuery.messages.filter((m) => m.event === 'ingest')).toHaveLength(1);
  });

  it('answers 503 beyond the most concurrent streams, and takes a new one once a stream closed', async () => {
    await start(2);
    const a = await live(`/v1/live?key=${ADMIN}`);
    const b = await live(`/v1/live?key=${ADMIN}`);
    await a.waitFor((m) => m.event === 'ready');
    await b.waitFor((m) => m.event === 'ready');
    const third = await live(`/v1/live?key=${ADMIN}`);
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('10');
    expect(JSON.parse(await third.body())).toMatchObject({ error: 'too-many-live-clients' });

    a.close();
    await a.ended;
    // The server sees the close on its own schedule: retry until it freed the slot.
    let next: SseClient;
    do next = await live(`/v1/live?key=${ADMIN}`);
    while (next.status === 503);
    expect(next.status).toBe(200);
  });

  it('ends every stream when the server closes, so close() does not wait on them', async () => {
    await start();
    const a = await live(`/v1/live?key=${ADMIN}`);
    await a.waitFor((m) => m.event === 'ready');
    const harness = h!;
    h = undefined;
    const closing = harness.close();
    await a.ended;
    await closing;
  });
});

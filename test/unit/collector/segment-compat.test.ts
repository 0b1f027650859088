/**
 * What Segment-compatible clients send, through the collector's routes (in-process): paths, keys,
 * content, the Spec's leniencies and the convention policies. The real libraries drive the same
 * behaviour end to end in test/clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectorCounters, createKeyRing, type BatchAnswer } from '../../../src/collector/index.js';
import { createHarness, type Harness } from './harness.js';
import { NOW } from '../../helpers/events.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const WRITE = 'wk_shop';
const S2S = 'Zm9vYmFyYmF6cXV4cXV1eA';
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const iso = (ms: number) => new Date(ms).toISOString();
let n = 0;

/** An event as a Segment-compatible library other than Homing's shapes it. */
function specEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Order Completed',
    properties: { order_id: 'o-1', revenue: 25 },
    messageId: `ajs-next-${++n}`,
    anonymousId: 'anon-9',
    originalTimestamp: iso(NOW - 2_000),
    context: { library: { name: 'analytics.js', version: 'npm:next-1.84.3' } },
    ...overrides,
  };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return h!.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain', ...headers }, payload: JSON.stringify(body) });
}

describe('paths Segment-compatible clients post to', () => {
  it('takes one event at each single path, long and short, with the type from the path', async () => {
    h = createHarness();
    const paths = { '/v1/t': 'track', '/v1/p': 'page', '/v1/s': 'screen', '/v1/i': 'identify', '/v1/g': 'group', '/v1/a': 'alias', '/v1/screen': 'screen', '/v1/group': 'group', '/v1/alias': 'alias' };
    for (const [path, type] of Object.entries(paths)) {
      const e = specEvent({ type: 'x', userId: 'u-1', groupId: 'g-1', previousId: 'anon-9', name: 'Home' });
      const res = await post(path, e);
      expect(res.statusCode, path).toBe(200);
      expect(res.json<BatchAnswer>(), path).toEqual({ accepted: [e.messageId], duplicate: [], rejected: [] });
      expect(h.store.getEvent(e.messageId as string)?.type, path).toBe(type);
    }
  });

  it('takes batches at /v1/batch, /v1/b, /b and /v1/import, and the beacon with its key in the query', async () => {
    h = createHarness({ keys: createKeyRing([{ kind: 'write', key: WRITE, label: 'shop' }]) });
    for (const path of ['/v1/batch', '/v1/b', '/b', '/v1/import']) {
      const e = specEvent();
      const res = await post(path, { batch: [e], sentAt: iso(NOW), writeKey: WRITE });
      expect(res.json<BatchAnswer>().accepted, path).toEqual([e.messageId]);
    }
    const beacon = specEvent();
    expect((await post(`/beacon/v1/batch?writeKey=${WRITE}`, { batch: [beacon], sentAt: iso(NOW) })).json<BatchAnswer>().accepted).toEqual([beacon.messageId]);
    // Only the beacon path reads a key from the query: elsewhere a URL is no place for one.
    expect((await post(`/v1/batch?writeKey=${WRITE}`, { batch: [specEvent()] })).statusCode).toBe(401);
    expect((await post('/beacon/v1/batch?writeKey=wk_wrong', { batch: [specEvent()] })).statusCode).toBe(401);
  });

  it('never stores a write key found in an event (analytics-next puts one in each event of a batch)', async () => {
    h = createHarness();
    const e = specEvent({ writeKey: WRITE });
    await post('/v1/b', { batch: [e], sentAt: iso(NOW) });
    expect(h.store.getEvent(e.messageId as string)?.payload).not.toHaveProperty('writeKey');
  });

  it("puts a batch sent with an s2s key on the server channel, and an app library's on the app channel", async () => {
    h = createHarness({ keys: createKeyRing([{ kind: 's2s', key: S2S, label: 'api' }]) });
    const server = specEvent({ context: { library: { name: 'analytics-node', version: '3.1.0' } } });
    await post('/v1/batch', { batch: [server] }, { authorization: basic(S2S) });
    expect(h.store.getEvent(server.messageId as string)?.channel).toBe('server');
    const app = specEvent({ type: 'screen', name: 'Home', context: { library: { name: 'analytics-kotlin', version: '1.0' } } });
    await post('/v1/b', { batch: [app] });
    expect(h.store.getEvent(app.messageId as string)?.channel).toBe('app');
    const browser = specEvent();
    await post('/v1/t', browser);
    expect(h.store.getEvent(browser.messageId as string)?.channel).toBe('browser');
  });
});

describe("the Spec's leniencies", () => {
  it('derives the time from originalTimestamp and sentAt, and keeps what the client sent', async () => {
    h = createHarness();
    // The client's clock is 10 minutes behind; it captured the event 2 s before sending.
    const sentAt = NOW - 600_000;
    const originalTimestamp = iso(sentAt - 2_000);
    const e = specEvent({ originalTimestamp });
    await post('/v1/batch', { batch: [e], sentAt: iso(sentAt) });
    const row = h.store.getEvent(e.messageId as string)!;
    expect(row.ts).toBe(NOW - 2_000);
    expect(row.payload.originalTimestamp).toBe(originalTimestamp);
    expect(row.payload.timestamp).toBe(iso(NOW - 2_000));
  });

  it("keeps a server library's historical timestamp as sent", async () => {
    h = createHarness();
    const e = specEvent({ originalTimestamp: undefined, timestamp: '2024-05-06T07:08:09.000Z', context: { library: { name: 'analytics-node', version: '3.1.0' } } });
    await post('/v1/batch', { batch: [e], sentAt: iso(NOW - 5) });
    expect(h.store.getEvent(e.messageId as string)?.payload.timestamp).toBe('2024-05-06T07:08:09.000Z');
  });

  it('stores the receipt time for an event without any time, and mints a messageId for one without an id', async () => {
    h = createHarness();
    const e = specEvent({ originalTimestamp: undefined, messageId: undefined });
    const answer = (await post('/v1/track', e)).json<BatchAnswer>();
    expect(answer.accepted).toHaveLength(1);
    const row = h.store.getEvent(answer.accepted[0])!;
    expect(row.ts).toBe(NOW);
    expect(answer.accepted[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('treats empty and null ids as absent, and refuses an event left with no identity', async () => {
    h = createHarness();
    const e = specEvent({ userId: '', anonymousId: 'anon-9' });
    await post('/v1/track', e);
    const row = h.store.getEvent(e.messageId as string)!;
    expect(row.userId).toBeNull();
    expect(row.payload).not.toHaveProperty('userId');
    const nobody = specEvent({ userId: null, anonymousId: '' });
    expect((await post('/v1/track', nobody)).json<BatchAnswer>().rejected).toEqual([
      { messageId: nobody.messageId, code: 'invalid-event', reason: 'one of /anonymousId, /userId is required', index: 0 },
    ]);
  });

  it('takes identify traits from context.traits (RudderStack), the top-level ones winning', async () => {
    h = createHarness();
    const e = specEvent({ type: 'identify', event: undefined, userId: 'u-7', traits: { plan: 'pro' }, context: { traits: { plan: 'free', email: 'a@b.example' }, library: { name: 'analytics-node', version: '3' } } });
    await post('/v1/identify', e);
    expect(h.store.getEvent(e.messageId as string)?.payload.traits).toEqual({ plan: 'pro', email: 'a@b.example' });
  });

  it("fills a server page call's context.page from its properties, so the page columns are set", async () => {
    h = createHarness();
    const e = specEvent({ type: 'page', event: undefined, name: 'Pricing', properties: { url: 'https://shop.example/pricing?x=1', title: 'Pricing' } });
    await post('/v1/page', e);
    const row = h.store.getEvent(e.messageId as string)!;
    expect(row.pageUrl).toBe('https://shop.example/pricing?x=1');
    expect(row.pagePath).toBe('/pricing');
    expect(row.payload.context.page).toEqual({ url: 'https://shop.example/pricing?x=1', path: '/pricing', title: 'Pricing' });
  });
});

describe('convention policies', () => {
  const homing = { library: { name: 'homing', version: '0.1.0' } };

  it("flags Spec names from other libraries and rejects them from Homing's own SDK", async () => {
    h = createHarness();
    const other = specEvent();
    const own = specEvent({ context: homing, timestamp: iso(NOW), originalTimestamp: undefined });
    const answer = (await post('/v1/batch', { batch: [other, own] })).json<BatchAnswer>();
    expect(answer.accepted).toEqual([other.messageId]);
    expect(answer.rejected).toEqual([{ messageId: own.messageId, code: 'invalid-event', reason: '/event must match pattern "^[a-z][a-z0-9_]*$"', index: 1 }]);
    expect(collectorCounters(h.app).eventsFlagged).toBe(1);
  });

  it("lets a key's policy win over the library's, and --conventions set the others'", async () => {
    h = createHarness({
      conventions: 'reject',
      keys: createKeyRing([{ kind: 'write', key: WRITE, label: 'app', policy: 'off' }, { kind: 'write', key: 'wk_strict', label: 's' }]),
    });
    const lenient = specEvent({ context: homing });
    expect((await post('/v1/batch', { batch: [lenient] }, { authorization: basic(WRITE) })).json<BatchAnswer>().accepted).toEqual([lenient.messageId]);
    expect(collectorCounters(h.app).eventsFlagged).toBe(0);
    const strict = specEvent();
    expect((await post('/v1/batch', { batch: [strict] }, { authorization: basic('wk_strict') })).json<BatchAnswer>().rejected).toHaveLength(1);
  });

  it("enforces a site's schema at the collector: rejected from Homing's SDK, flagged from others", async () => {
    const { Ajv } = await import('ajv');
    const validate = new Ajv().compile({ type: 'object', required: ['order_id'] });
    h = createHarness({ siteSchemas: new Map([['purchase', validate as never]]) });
    const own = specEvent({ event: 'purchase', properties: {}, context: homing });
    const other = specEvent({ event: 'purchase', properties: {} });
    const answer = (await post('/v1/batch', { batch: [own, other] })).json<BatchAnswer>();
    expect(answer.rejected).toEqual([{ messageId: own.messageId, code: 'invalid-properties', reason: 'purchase: /properties/order_id is required', index: 0 }]);
    expect(answer.accepted).toEqual([other.messageId]);
  });
});

describe('limits and content', () => {
  it('rejects one event over 32 KB and stores the rest of its batch', async () => {
    h = createHarness();
    const big = specEvent({ properties: { blob: 'x'.repeat(40_000) } });
    const small = specEvent();
    const answer = (await post('/v1/batch', { batch: [big, small] })).json<BatchAnswer>();
    expect(answer.accepted).toEqual([small.messageId]);
    expect(answer.rejected).toEqual([{ messageId: big.messageId, code: 'too-large', reason: expect.stringContaining('bytes of JSON once stored'), index: 0 }]);
  });
});

describe("what Segment's libraries fetch besides events", () => {
  it('serves source settings naming the collector as the Segment.io host, to configured write keys', async () => {
    h = createHarness({ keys: createKeyRing([{ kind: 'write', key: WRITE, label: 'shop' }]) });
    const res = await h.app.inject({ method: 'GET', url: `/v1/projects/${WRITE}/settings`, headers: { host: 'collector.example:8787' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      integrations: { 'Segment.io': { apiKey: WRITE, apiHost: 'collector.example:8787/v1', protocol: 'http' } },
      metrics: { sampleRate: 0 },
    });
    expect((await h.app.inject({ method: 'GET', url: '/v1/projects/wk_other/settings' })).statusCode).toBe(404);
  });

  it("accepts and discards analytics-next's usage metrics", async () => {
    h = createHarness();
    const res = await post('/v1/m', { series: [{ type: 'Counter', metric: 'analytics_js.invoke', value: 1, tags: {} }] });
    expect(res.statusCode).toBe(204);
    expect(h.store.count()).toBe(0);
  });
});

describe('null fields', () => {
  it("treats RudderStack's event: null and properties: null on a page call as absent", async () => {
    h = createHarness();
    const e = specEvent({ type: 'page', event: null, properties: null, name: 'Home', userId: '' });
    expect((await post('/v1/page', e)).json<BatchAnswer>().accepted).toEqual([e.messageId]);
  });
});

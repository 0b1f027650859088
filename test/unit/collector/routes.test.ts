import { afterEach, describe, expect, it } from 'vitest';
import { collectorCounters, createKeyRing, type BatchAnswer } from '../../../src/collector/index.js';
import { createHarness, postBatch, type Harness } from './harness.js';
import { wireEvent } from '../../helpers/events.js';

const S2S = 'Zm9vYmFyYmF6cXV4cXV1eA';
const ADMIN = '3c1f0d8e2b6a4f59a7c1d2e3';
const WRITE = 'wk_shop';
const READ = '9b2e7c4d1a0f8e6d5c3b2a19';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function keyed(extra: Partial<Parameters<typeof createHarness>[0]> = {}) {
  return createHarness({
    keys: createKeyRing([
      { kind: 's2s', key: S2S, label: 'backend' },
      { kind: 'admin', key: ADMIN, label: 'ops' },
    ]),
    ...extra,
  });
}

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

function post(url: string, payload: unknown, headers: Record<string, string> = {}) {
  return h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });
}

describe('POST /v1/track, /v1/page, /v1/identify', () => {
  it('stores one event with its type taken from the path, and answers receipts', async () => {
    h = createHarness();
    const e = wireEvent({ type: 'page', name: 'Home', event: undefined });

    const res = await post('/v1/track', { ...e, event: 'signed_up' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['accept-encoding']).toBe('gzip, deflate');
    expect(res.json()).toEqual({ accepted: [e.messageId], duplicate: [], rejected: [] });
    expect(h.store.getEvent(e.messageId)).toMatchObject({ type: 'track', event: 'signed_up', channel: 'browser' });
  });

  it('page and identify; identify updates the profile', async () => {
    h = createHarness();
    const page = wireEvent({ event: undefined, name: 'Pricing' });
    const identify = wireEvent({ event: undefined, userId: 'u-1', traits: { plan: 'pro' } });

    expect((await post('/v1/page', page)).json<BatchAnswer>().accepted).toEqual([page.messageId]);
    expect((await post('/v1/identify', identify)).json<BatchAnswer>().accepted).toEqual([identify.messageId]);

    expect(h.store.getEvent(page.messageId)?.type).toBe('page');
    expect(h.store.getEvent(identify.messageId)?.type).toBe('identify');
    expect(h.store.getProfile('u-1')?.traits).toEqual({ plan: 'pro' });
  });

  it('answers a resend as a duplicate and a bad event as a rejection, both 200, like a batch of one', async () => {
    h = createHarness();
    const e = wireEvent();
    await post('/v1/track', e);
    expect((await post('/v1/track', e)).json()).toEqual({ accepted: [], duplicate: [e.messageId], rejected: [] });
    const bad = await post('/v1/track', { ...wireEvent(), event: 'Signed Up' });
    expect(bad.statusCode).toBe(200);
    expect(bad.json<BatchAnswer>().rejected).toEqual([expect.objectContaining({ code: 'invalid-event', index: 0 })]);
  });

  it('answers 400 to a body that is not one event', async () => {
    h = createHarness();
    expect((await post('/v1/identify', [wireEvent()])).json()).toMatchObject({ error: 'invalid-envelope' });
  });
});

describe('write keys', () => {
  it('are not needed until one is configured', async () => {
    h = createHarness();
    expect((await postBatch(h.app, [wireEvent()])).statusCode).toBe(200);
  });

  it('once configured: 401 without one or with a wrong one; Basic auth or a writeKey field go through', async () => {
    h = createHarness({
      keys: createKeyRing([{ kind: 'write', key: WRITE, label: 'shop' }, { kind: 's2s', key: S2S, label: 'b' }, { kind: 'read', key: READ, label: 'r' }]),
    });

    const none = await postBatch(h.app, [wireEvent()]);
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: 'unauthorized', reason: expect.stringContaining('write key') });
    expect(none.headers['www-authenticate']).toBe('Basic realm="homing"');
    expect((await postBatch(h.app, [wireEvent()], { headers: { authorization: basic('wk_other') } })).statusCode).toBe(401);
    // A key of another kind is no write key...
    expect((await postBatch(h.app, [wireEvent()], { headers: { authorization: `Bearer ${READ}` } })).statusCode).toBe(401);
    // ...but an s2s key makes the sender a server (a server library posting to /v1/batch).
    const viaS2s = wireEvent();
    expect((await postBatch(h.app, [viaS2s], { headers: { authorization: basic(S2S) } })).json<BatchAnswer>().accepted).toEqual([viaS2s.messageId]);
    expect(h.store.getEvent(viaS2s.messageId)?.channel).toBe('server');

    const viaBasic = wireEvent();
    expect((await postBatch(h.app, [viaBasic], { headers: { authorization: basic(WRITE) } })).json<BatchAnswer>().accepted).toEqual([viaBasic.messageId]);
    const viaBody = wireEvent();
    expect((await post('/v1/batch', { batch: [viaBody], writeKey: WRITE })).json<BatchAnswer>().accepted).toEqual([viaBody.messageId]);
    const single = wireEvent();
    expect((await post('/v1/track', { ...single, writeKey: WRITE })).json<BatchAnswer>().accepted).toEqual([single.messageId]);
    // The key is never stored.
    expect(h.store.getEvent(single.messageId)?.payload).not.toHaveProperty('writeKey');
    expect(collectorCounters(h.app).unauthorized).toBe(3);
  });

  it('refuse an unauthenticated sender before looking at its body', async () => {
    h = createHarness({ keys: createKeyRing([{ kind: 'write', key: WRITE, label: 'shop' }]) });
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json' }, payload: '{"batch": 3}' });
    expect(res.statusCode).toBe(401);
  });
});

describe('POST /v1/s2s', () => {
  it('answers 401 without a key, with a wrong key, or with a key of another kind', async () => {
    h = keyed();
    for (const authorization of [undefined, `Bearer ${S2S}x`, `Bearer ${ADMIN}`, 'Bearer', `Token ${S2S}`]) {
      const res = await post('/v1/s2s', { batch: [wireEvent()] }, authorization ? { authorization } : {});
      expect(res.statusCode, authorization).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="homing"');
    }
    expect(h.store.count()).toBe(0);
  });

  it('takes a batch or a single event, Bearer or Segment-style Basic auth, and stores them on the server channel', async () => {
    h = keyed();
    const a = wireEvent({ context: { channel: 'browser', library: { name: 'server-sdk', version: '1' } } });
    const b = wireEvent();

    const batch = await post('/v1/s2s', { batch: [a], sentAt: '2026-11-28T12:00:05.000Z' }, { authorization: `Bearer ${S2S}` });
    const single = await post('/v1/s2s', b, { authorization: basic(S2S) });

    expect(batch.json<BatchAnswer>().accepted).toEqual([a.messageId]);
    expect(single.json<BatchAnswer>().accepted).toEqual([b.messageId]);
    // The endpoint decides the channel, whatever the body claims.
    expect(h.store.getEvent(a.messageId)).toMatchObject({ channel: 'server', channels: ['server'] });
    expect(h.store.getEvent(a.messageId)?.payload.context.channel).toBe('server');
  });

  it('stores a server copy of a browser event once and records both channels; either order', async () => {
    h = keyed();
    const e = wireEvent();
    await postBatch(h.app, [e]);
    const copy = await post('/v1/s2s', { batch: [{ ...e, properties: { from: 'server' } }] }, { authorization: `Bearer ${S2S}` });

    expect(copy.json()).toEqual({ accepted: [], duplicate: [e.messageId], rejected: [] });
    expect(h.store.getEvent(e.messageId)).toMatchObject({ channel: 'browser', channels: ['browser', 'server'] });
    expect(h.store.getEvent(e.messageId)?.payload.properties).toEqual(e.properties);

    const first = wireEvent();
    await post('/v1/s2s', first, { authorization: `Bearer ${S2S}` });
    expect((await postBatch(h.app, [first])).json<BatchAnswer>().duplicate).toEqual([first.messageId]);
    expect(h.store.getEvent(first.messageId)?.channels).toEqual(['server', 'browser']);
    expect(h.store.count()).toBe(2);
  });

  it("keeps an end user's IP the server sends in context.ip (anonymised), else the sender's address", async () => {
    h = keyed();
    const withIp = wireEvent({ context: { channel: 'server', library: { name: 'x', version: '1' }, ip: '198.51.100.23' } });
    const badIp = wireEvent({ context: { channel: 'server', library: { name: 'x', version: '1' }, ip: 'somewhere' } });
    await post('/v1/s2s', { batch: [withIp, badIp] }, { authorization: `Bearer ${S2S}` });

    expect(h.store.getEvent(withIp.messageId)?.payload.context.ip).toBe('198.51.100.0');
    expect(h.store.getEvent(badIp.messageId)?.payload.context.ip).toBe('127.0.0.0');
  });
});

describe('client IPs', () => {
  it('replaces whatever a browser sends in context.ip with its anonymised socket address', async () => {
    h = createHarness();
    const e = wireEvent({ context: { channel: 'browser', library: { name: 'x', version: '1' }, ip: '8.8.8.8' } });
    await h.app.inject({ method: 'POST', url: '/v1/batch', remoteAddress: '203.0.113.77', headers: { 'content-type': 'application/json' }, payload: { batch: [e] } });
    expect(h.store.getEvent(e.messageId)?.payload.context.ip).toBe('203.0.113.0');
  });

  it('keeps the full address with keepIp', async () => {
    h = createHarness({ keepIp: true });
    const e = wireEvent();
    await h.app.inject({ method: 'POST', url: '/v1/batch', remoteAddress: '2001:db8::7', headers: { 'content-type': 'application/json' }, payload: { batch: [e] } });
    expect(h.store.getEvent(e.messageId)?.payload.context.ip).toBe('2001:db8::7');
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    h = createHarness({ trustedProxies: ['10.0.0.0/8'] });
    const viaProxy = wireEvent();
    const direct = wireEvent();
    const send = (e: unknown, remoteAddress: string) =>
      h.app.inject({ method: 'POST', url: '/v1/batch', remoteAddress, headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.23, 10.0.0.9' }, payload: { batch: [e] } });
    await send(viaProxy, '10.0.0.1');
    await send(direct, '203.0.113.77');
    expect(h.store.getEvent(viaProxy.messageId)?.payload.context.ip).toBe('198.51.100.0');
    expect(h.store.getEvent(direct.messageId)?.payload.context.ip).toBe('203.0.113.0');
  });
});

describe('admin: DELETE /v1/users/:id and GET /v1/stats', () => {
  it('answer 401 without the admin key, or with another kind of key', async () => {
    h = keyed();
    for (const headers of [{}, { authorization: `Bearer ${S2S}` }, { authorization: 'Bearer nope' }]) {
      expect((await h.app.inject({ method: 'DELETE', url: '/v1/users/u-1', headers })).statusCode).toBe(401);
      expect((await h.app.inject({ method: 'GET', url: '/v1/stats', headers })).statusCode).toBe(401);
    }
  });

  it('answer 401 when no admin key is configured at all', async () => {
    h = createHarness();
    expect((await h.app.inject({ method: 'DELETE', url: '/v1/users/u-1', headers: { authorization: 'Bearer x' } })).statusCode).toBe(401);
  });

  it('erases a user and answers what went', async () => {
    h = keyed();
    const before = wireEvent({ anonymousId: 'dev-1' });
    const after = wireEvent({ anonymousId: 'dev-1', userId: 'u 1/é' });
    const other = wireEvent({ anonymousId: 'dev-2' });
    await postBatch(h.app, [before, after, other]);

    const res = await h.app.inject({ method: 'DELETE', url: `/v1/users/${encodeURIComponent('u 1/é')}`, headers: { authorization: `Bearer ${ADMIN}` } });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ userId: 'u 1/é', events: 2, anonymousIds: 1, profiles: 0, manifests: 0 });
    expect(h.store.count()).toBe(1);
    expect(h.store.getEvent(other.messageId)).toBeDefined();
  });

  it('stats: counters and key counts, never the keys', async () => {
    h = keyed();
    await postBatch(h.app, [wireEvent(), { bad: true }]);
    const res = await h.app.inject({ method: 'GET', url: '/v1/stats', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.json()).toMatchObject({ counters: { eventsAccepted: 1, eventsRejected: 1 }, keys: { write: 0, s2s: 1, admin: 1 } });
    expect(res.body).not.toContain(S2S);
  });
});

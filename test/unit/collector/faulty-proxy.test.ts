import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCollector, createSqliteStore, type BatchAnswer, type EventStore } from '../../../src/collector/index.js';
import type { WireEvent } from '../../../src/shared/event.js';
import { startFaultyProxy, type FaultyProxy } from '../../helpers/faulty-proxy.js';
import { wireEvent } from '../../helpers/events.js';

const ORIGIN = 'http://127.0.0.1:5173';

let store: EventStore;
let app: FastifyInstance;
let proxy: FaultyProxy;

beforeEach(async () => {
  store = createSqliteStore(':memory:');
  app = createCollector({ store, origins: [ORIGIN] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  proxy = await startFaultyProxy({ target: `http://127.0.0.1:${port}` });
});
afterEach(async () => {
  await proxy?.stop();
  await app?.close();
  store?.close();
});

function send(events: WireEvent[], init: { origin?: string; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${proxy.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.origin ? { origin: init.origin } : {}) },
    body: JSON.stringify({ batch: events }),
    signal: init.signal,
  });
}

describe('faulty proxy', () => {
  it('listens on 127.0.0.1 and passes requests through by default, collector headers included', async () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const events = [wireEvent(), wireEvent()];

    const res = await send(events, { origin: ORIGIN });

    expect(res.status).toBe(200);
    expect(((await res.json()) as BatchAnswer).accepted).toEqual(events.map((e) => e.messageId));
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('accept-encoding')).toBe('gzip, deflate');
    expect(res.headers.get('connection')).toBe('close');
    expect(store.count()).toBe(2);
    expect(proxy.requests()).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/batch', mode: { kind: 'pass' }, source: 'default', status: 200, upstreamStatus: 200, outcome: 'answered' }),
    ]);
  });

  it('passes other methods and paths, and the collector’s own errors, through', async () => {
    const health = await fetch(`${proxy.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    const refused = await send([wireEvent()], { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(store.count()).toBe(0);
  });

  it('always passes preflights, even with faults queued', async () => {
    proxy.fail({ kind: 'status', status: 500 });

    const res = await fetch(`${proxy.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,content-encoding' },
    });

    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toContain('content-encoding');
    expect(proxy.pendingFaults()).toBe(1);
    expect(proxy.requests()[0]).toMatchObject({ method: 'OPTIONS', source: 'not-faultable', mode: { kind: 'pass' } });
  });

  it('status 500 answers without forwarding: nothing is stored', async () => {
    proxy.setDefault({ kind: 'status', status: 500 });

    const res = await send([wireEvent()], { origin: ORIGIN });

    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: 'injected-fault' });
    expect(store.count()).toBe(0);
    expect(proxy.requests()[0]).toMatchObject({ status: 500, upstreamStatus: null, outcome: 'answered', source: 'default' });
  });

  it('429 with Retry-After carries CORS headers mirroring the origin', async () => {
    proxy.fail({ kind: 'status', status: 429, retryAfter: 2 });

    const res = await send([wireEvent()], { origin: ORIGIN });

    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After, Accept-Encoding');
    expect(res.headers.get('vary')).toBe('origin');
    expect(store.count()).toBe(0);
  });

  it('cut-after-commit stores the events, but the client sees a network error', async () => {
    proxy.fail({ kind: 'cut-after-commit' });
    const events = [wireEvent(), wireEvent()];

    await expect(send(events, { origin: ORIGIN })).rejects.toThrow(TypeError);

    expect(store.count()).toBe(2);
    const [record] = proxy.requests();
    expect(record).toMatchObject({ mode: { kind: 'cut-after-commit' }, source: 'one-shot', status: null, upstreamStatus: 200, outcome: 'cut' });

    // The resend goes through and is answered "duplicate".
    const again = await send(events, { origin: ORIGIN });
    expect(((await again.json()) as BatchAnswer).duplicate).toEqual(events.map((e) => e.messageId));
  });

  it('applies a one-shot fault once, queued faults in order, then the default', async () => {
    proxy.fail({ kind: 'status', status: 503, retryAfter: 1 }, { kind: 'status', status: 500 });
    expect(proxy.pendingFaults()).toBe(2);

    expect((await send([wireEvent()])).status).toBe(503);
    expect((await send([wireEvent()])).status).toBe(500);
    expect((await send([wireEvent()])).status).toBe(200);
    expect((await send([wireEvent()])).status).toBe(200);

    expect(proxy.pendingFaults()).toBe(0);
    expect(store.count()).toBe(2);
    expect(proxy.requests().map((r) => [r.source, r.status])).toEqual([
      ['one-shot', 503],
      ['one-shot', 500],
      ['default', 200],
      ['default', 200],
    ]);
  });

  it('a fault answer without Origin carries no CORS headers', async () => {
    proxy.fail({ kind: 'status', status: 503, retryAfter: 3 });
    const res = await send([wireEvent()]);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('hang never answers; the client gives up; forward: true commits first', async () => {
    proxy.fail({ kind: 'hang' }, { kind: 'hang', forward: true });

    await expect(send([wireEvent()], { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(store.count()).toBe(0);

    await expect(send([wireEvent()], { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    await proxy.waitForRequest((r) => r.upstreamStatus === 200, 2_000);
    expect(store.count()).toBe(1);

    expect(proxy.requests().map((r) => [r.outcome, r.upstreamStatus])).toEqual([
      ['hung', null],
      ['hung', 200],
    ]);
  });

  it('resets the client connection when the collector is down', async () => {
    await app.close();

    await expect(send([wireEvent()])).rejects.toThrow(TypeError);
    const record = await proxy.waitForRequest((r) => r.outcome !== 'pending');
    expect(record).toMatchObject({ outcome: 'upstream-error', status: null });
  });

  it('records request headers and body size, and waits for a matching request', async () => {
    const waiting = proxy.waitForRequest((r) => r.status === 200, 2_000);
    await send([wireEvent()], { origin: ORIGIN });

    const record = await waiting;
    expect(record.headers['content-type']).toBe('application/json');
    expect(record.headers.origin).toBe(ORIGIN);
    expect(record.bodyBytes).toBeGreaterThan(100);
    expect(record.at).toBeGreaterThan(Date.now() - 10_000);
  });

  it('reset clears faults, the default and the log; stop is idempotent', async () => {
    proxy.setMode({ kind: 'status', status: 500 });
    proxy.fail({ kind: 'hang' });
    proxy.reset();

    expect((await send([wireEvent()])).status).toBe(200);
    expect(proxy.requests()).toHaveLength(1);

    await proxy.stop();
    await proxy.stop();
    await expect(send([wireEvent()])).rejects.toThrow(TypeError);
  });

  it('refuses a nonsense status', () => {
    expect(() => proxy.fail({ kind: 'status', status: 42 })).toThrow(/status/);
  });
});

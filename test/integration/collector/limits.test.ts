/** Refusals of a real collector process: 401, 413, 429, CORS. Each refusal stores nothing. */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { countRows, healthy, postJson, send, startCollector, type Collector } from '../../helpers/collector.js';

const SHOP = 'https://shop.example';

describe('refusals', () => {
  let c: Collector;
  beforeAll(async () => {
    c = await startCollector({ args: ['--origins', SHOP, '--write-keys', 'wk_shop'] });
  });
  afterAll(async () => {
    await c?.dispose();
  });

  it('401 without the write key once one is configured, 200 with it', async () => {
    const res = await postJson(c.url, '/v1/batch', { batch: [wireEvent()] });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
    const ok = await postJson(c.url, '/v1/batch', { batch: [wireEvent()], writeKey: 'wk_shop' });
    expect(ok.status).toBe(200);
  });

  it('403 for a browser origin that is not allowed, the preflight included; the allowed one goes through', async () => {
    const e = wireEvent();
    const refused = await postJson(c.url, '/v1/batch', { batch: [e], writeKey: 'wk_shop' }, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({ error: 'origin-not-allowed', reason: 'origin https://evil.example may not send events here' });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await send(c.url, { method: 'OPTIONS', path: '/v1/batch', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);

    const allowed = await postJson(c.url, '/v1/batch', { batch: [e], writeKey: 'wk_shop' }, { origin: SHOP });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
  });

  it("413 for a 10 MB body, a gzip bomb and a batch over Segment's 500 KB; the server keeps serving", async () => {
    const before = countRows(c.dbPath);
    const huge = JSON.stringify({ batch: [wireEvent({ properties: { pad: 'x'.repeat(10 * 1024 * 1024) } })], writeKey: 'wk_shop' });
    const big = await send(c.url, { method: 'POST', path: '/v1/batch', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(huge) }, body: huge });
    expect(big.status).toBe(413);
    expect(big.json()).toMatchObject({ error: 'body-too-large' });

    // 10 MB of zeros gzip to 10 KB: refused once the decompressed size passes the limit.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"batch":[],"x":"'), Buffer.alloc(10 * 1024 * 1024, 0x30), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(100_000);
    const gz = await send(c.url, { method: 'POST', path: '/v1/batch', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(gz.status).toBe(413);

    // Limits are in bytes, as Segment documents them: 600 KB of events is one request too many.
    const many = await postJson(c.url, '/v1/batch', { batch: Array.from({ length: 1_200 }, () => wireEvent({ properties: { pad: 'x'.repeat(500) } })), writeKey: 'wk_shop' });
    expect(many.status).toBe(413);
    expect(many.json()).toMatchObject({ error: 'body-too-large' });

    expect(countRows(c.dbPath)).toBe(before);
    expect(await healthy(c.url)).toBe(true);
  });
});

describe('rate limits', () => {
  let c: Collector;
  afterAll(async () => {
    await c?.dispose();
  });

  it('429 with Retry-After past the per-IP limit; health checks are never limited, and the client recovers', async () => {
    c = await startCollector({ args: ['--rate-limit-ip', '5'] }); // 5/s, bursts of 10
    const statuses: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 30; i++) {
      const res = await postJson(c.url, '/v1/batch', { batch: [] });
      statuses.push(res.status);
      if (res.status === 429) retryAfter ??= res.headers['retry-after'];
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await healthy(c.url)).toBe(true);

    await new Promise((r) => setTimeout(r, Number(retryAfter) * 1000 + 100));
    expect((await postJson(c.url, '/v1/batch', { batch: [] })).status).toBe(200);
  });
});

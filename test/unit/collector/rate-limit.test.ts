import { afterEach, describe, expect, it } from 'vitest';
import { collectorCounters, createKeyRing } from '../../../src/collector/index.js';
import { createRateLimiter } from '../../../src/collector/rate-limit.js';
import { createHarness, postBatch, type Harness } from './harness.js';
import { wireEvent } from '../../helpers/events.js';

describe('createRateLimiter', () => {
  it('lets a burst through, then one request per refilled token, and says how long to wait', () => {
    const limiter = createRateLimiter({ perSecond: 2, burst: 3 });
    expect([0, 0, 0].map(() => limiter.take('a', 1_000))).toEqual([0, 0, 0]);
    expect(limiter.take('a', 1_000)).toBe(1); // next token in 0.5 s: Retry-After rounds up to 1
    expect(limiter.take('a', 1_500)).toBe(0);
    expect(limiter.take('a', 1_500)).toBe(1);
    // Keys are independent.
    expect(limiter.take('b', 1_500)).toBe(0);
  });

  it('never refills beyond the burst', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 2 });
    limiter.take('a', 0);
    const later = 1_000_000;
    expect([limiter.take('a', later), limiter.take('a', later), limiter.take('a', later)]).toEqual([0, 0, 1]);
  });

  it('waits longer at a slow rate', () => {
    const limiter = createRateLimiter({ perSecond: 0.1, burst: 1 });
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(10);
  });

  it('is off at 0 per second', () => {
    const limiter = createRateLimiter({ perSecond: 0, burst: 0 });
    for (let i = 0; i < 100; i++) expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.size()).toBe(0);
  });

  it('bounds its memory: idle (full) buckets go first, then the oldest', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 }, 10);
    for (let i = 0; i < 10; i++) limiter.take(`ip-${i}`, 0);
    // At t = 5 s every bucket has refilled: all are dropped to make room.
    limiter.take('new', 5_000);
    expect(limiter.size()).toBe(1);
    for (let i = 0; i < 50; i++) limiter.take(`busy-${i}`, 5_000);
    expect(limiter.size()).toBeLessThanOrEqual(10);
  });
});

describe('rate limits on the HTTP routes', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('answers 429 with Retry-After once a client IP is over its limit, and counts it', async () => {
    h = createHarness({ rateLimit: { perIp: 1 } }); // burst 2, and the test clock stands still
    expect((await postBatch(h.app, [wireEvent()])).statusCode).toBe(200);
    expect((await postBatch(h.app, [wireEvent()])).statusCode).toBe(200);

    const refused = await postBatch(h.app, [wireEvent()]);

    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual({ error: 'rate-limited', reason: expect.stringContaining('retry in 1 s') });
    expect(h.store.count()).toBe(2);
    expect(collectorCounters(h.app).rateLimited).toBe(1);
    // Another address is not affected, and health checks never are.
    const other = await h.app.inject({ method: 'POST', url: '/v1/batch', remoteAddress: '198.51.100.7', headers: { 'content-type': 'application/json' }, payload: { batch: [] } });
    expect(other.statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('lets an allowed page read the 429 and its Retry-After (CORS headers on the early answer)', async () => {
    h = createHarness({ rateLimit: { perIp: 1 }, origins: ['https://shop.example'] });
    const send = () => postBatch(h.app, [], { headers: { origin: 'https://shop.example' } });
    await send();
    await send();
    const refused = await send();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(refused.headers['access-control-expose-headers'])).toContain('Retry-After');
  });

  it('answers the pixel with its GIF when over the limit, recording nothing', async () => {
    h = createHarness({ rateLimit: { perIp: 1 } });
    for (let i = 0; i < 2; i++) await postBatch(h.app, []);

    const res = await h.app.inject({ method: 'GET', url: '/p.gif?e=email_opened&uid=u1&mid=m-1' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    expect(h.store.count()).toBe(0);
    expect(collectorCounters(h.app).pixelThrottled).toBe(1);
  });

  it('limits each key on its own: 429 for a key over its limit, whatever the address', async () => {
    const key = 'Zm9vYmFyYmF6cXV4cXV1eA';
    h = createHarness({ rateLimit: { perKey: 1 }, keys: createKeyRing([{ kind: 's2s', key, label: 'backend' }]) });
    const send = (remoteAddress: string) =>
      h.app.inject({ method: 'POST', url: '/v1/s2s', remoteAddress, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: { batch: [] } });

    expect((await send('10.0.0.1')).statusCode).toBe(200);
    expect((await send('10.0.0.2')).statusCode).toBe(200);
    const refused = await send('10.0.0.3');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
  });
});

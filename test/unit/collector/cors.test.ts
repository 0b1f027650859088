import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, postBatch, type Harness } from './harness.js';
import { wireEvent } from '../../helpers/events.js';

const SHOP = 'https://shop.example';
const EVIL = 'https://evil.example';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function preflight(origin: string) {
  return h.app.inject({
    method: 'OPTIONS',
    url: '/v1/batch',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,content-encoding',
    },
  });
}

describe('CORS with a list of origins', () => {
  it('allows the preflight of a configured origin, content-encoding included', async () => {
    h = createHarness({ origins: [SHOP, 'http://localhost:5173'] });

    const res = await preflight(SHOP);

    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(String(res.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(
      expect.arrayContaining(['content-type', 'content-encoding']),
    );
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
  });

  it("allows whatever headers a client's preflight asks for, always listing the known clients' so one cached answer covers their later requests", async () => {
    h = createHarness({ origins: [SHOP] });
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: '/v1/track',
      headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'AnonymousId,Rsa-Retry-Attempt,content-type' },
    });
    expect(res.statusCode).toBe(204);
    const allowed = String(res.headers['access-control-allow-headers']).split(/,\s*/);
    expect(allowed).toEqual(['content-type', 'content-encoding', 'authorization', 'x-retry-count', 'anonymousid', 'sentat', 'rsa-retry-attempt']);
  });

  it('refuses the preflight of another origin', async () => {
    h = createHarness({ origins: [SHOP] });

    const res = await preflight(EVIL);

    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.json()).toMatchObject({ error: 'origin-not-allowed' });
  });

  it('refuses a simple POST from another origin and stores nothing (a beacon needs no preflight)', async () => {
    h = createHarness({ origins: [SHOP] });

    const res = await postBatch(h.app, [wireEvent()], { headers: { origin: EVIL, 'content-type': 'text/plain' } });

    expect(res.statusCode).toBe(403);
    expect(h.store.count()).toBe(0);
  });

  it('accepts a POST from a configured origin and lets the page read the answer', async () => {
    h = createHarness({ origins: [SHOP] });

    const res = await postBatch(h.app, [wireEvent()], { headers: { origin: SHOP } });

    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(h.store.count()).toBe(1);
  });

  it('accepts a request without Origin (servers, curl)', async () => {
    h = createHarness({ origins: [SHOP] });
    const res = await postBatch(h.app, [wireEvent()]);
    expect(res.statusCode).toBe(200);
  });
});

describe('CORS with *', () => {
  it('allows any origin', async () => {
    h = createHarness({ origins: '*' });

    const res = await preflight(EVIL);

    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('headers a browser may read', () => {
  function exposed(res: { headers: Record<string, unknown> }): string[] {
    return String(res.headers['access-control-expose-headers'] ?? '')
      .split(/,\s*/)
      .map((s) => s.toLowerCase())
      .filter(Boolean);
  }

  it('exposes Accept-Encoding and Retry-After on a 200 to an allowed origin', async () => {
    h = createHarness({ origins: [SHOP] });

    const res = await postBatch(h.app, [wireEvent()], { headers: { origin: SHOP } });

    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(exposed(res)).toEqual(expect.arrayContaining(['accept-encoding', 'retry-after']));
    expect(res.headers['accept-encoding']).toBe('gzip, deflate');
  });

  it('exposes them on error answers too, so the client can read a 4xx or 5xx', async () => {
    h = createHarness({ origins: [SHOP] });

    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { origin: SHOP, 'content-type': 'application/json' },
      payload: '{"batch": [',
    });

    expect(res.statusCode).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(exposed(res)).toEqual(expect.arrayContaining(['accept-encoding', 'retry-after']));
    expect(res.headers['accept-encoding']).toBe('gzip, deflate');
  });

  it('exposes them with origins *', async () => {
    h = createHarness({ origins: '*' });

    const res = await postBatch(h.app, [wireEvent()], { headers: { origin: EVIL } });

    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(exposed(res)).toEqual(expect.arrayContaining(['accept-encoding', 'retry-after']));
  });

  it('gives a refused origin no CORS headers at all', async () => {
    h = createHarness({ origins: [SHOP] });

    const res = await postBatch(h.app, [wireEvent()], { headers: { origin: EVIL } });

    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
  });

  it('allows content-type and content-encoding in the preflight with origins *', async () => {
    h = createHarness({ origins: '*' });

    const res = await preflight(SHOP);

    expect(res.statusCode).toBe(204);
    expect(String(res.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(
      expect.arrayContaining(['content-type', 'content-encoding']),
    );
  });
});

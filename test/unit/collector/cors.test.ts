import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, postBatch, wireEvent, type Harness } from './harness.js';

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

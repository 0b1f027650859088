import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, postBatch, type Harness } from './harness.js';
import { NOW, wireEvent } from '../../helpers/events.js';

const SHOP = 'http://127.0.0.1:8080';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function setOutage(down: unknown, headers: Record<string, string> = {}) {
  return h.app.inject({ method: 'POST', url: '/demo/outage', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify({ down }) });
}

describe('demo outage switch (--demo-controls)', () => {
  it('does not exist unless asked for', async () => {
    h = createHarness();
    expect((await h.app.inject({ method: 'GET', url: '/demo/outage' })).statusCode).toBe(404);
    expect((await setOutage(true)).statusCode).toBe(404);
  });

  it('makes every ingest route answer 503 with Retry-After while down, and stores nothing', async () => {
    h = createHarness({ demoControls: true });
    const switched = await setOutage(true);
    expect(switched.statusCode).toBe(200);
    expect(switched.json()).toEqual({ down: true, since: NOW, refused: 0 });

    const event = wireEvent();
    const batch = await postBatch(h.app, [event]);
    expect(batch.statusCode).toBe(503);
    expect(batch.headers['retry-after']).toBe('2');
    expect(batch.json()).toMatchObject({ error: 'collector-down' });
    const single = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(wireEvent()) });
    expect(single.statusCode).toBe(503);
    const pixel = await h.app.inject({ method: 'GET', url: '/p.gif?e=email_opened&aid=a1' });
    expect(pixel.statusCode).toBe(503);
    // Every event route, the other clients' paths included (the hook covers the ingest plugin's
    // event routes, not a list of paths).
    for (const url of ['/v1/b', '/b', '/v1/t', '/v1/import', '/v1/s2s']) {
      const other = await h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ batch: [wireEvent()] }) });
      expect(other.statusCode, url).toBe(503);
    }
    expect(h.store.count()).toBe(0);
    // Health, the switch itself and the source settings still answer: the process is up, only ingest is "down".
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/v1/projects/wk/settings' })).statusCode).not.toBe(503);
    expect((await h.app.inject({ method: 'GET', url: '/demo/outage' })).json()).toEqual({ down: true, since: NOW, refused: 8 });

    expect((await setOutage(false)).json()).toMatchObject({ down: false });
    const after = await postBatch(h.app, [event]);
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({ accepted: [event.messageId] });
  });

  it("lets a browser page read the 503 and its Retry-After (CORS) and switch from an allowed origin only", async () => {
    h = createHarness({ demoControls: true, origins: [SHOP] });
    expect((await setOutage(true, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await setOutage(true, { origin: SHOP })).statusCode).toBe(200);
    const res = await postBatch(h.app, [wireEvent()], { headers: { origin: SHOP } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(String(res.headers['access-control-expose-headers'])).toContain('Retry-After');
  });

  it('counts the requests refused by each outage: the next outage starts again from 0', async () => {
    h = createHarness({ demoControls: true });
    await setOutage(true);
    for (let i = 0; i < 3; i++) expect((await postBatch(h.app, [wireEvent()])).statusCode).toBe(503);
    // Over, the count of the outage that just ended stays readable.
    expect((await setOutage(false)).json()).toMatchObject({ down: false, refused: 3 });
    expect((await postBatch(h.app, [wireEvent()])).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/demo/outage' })).json()).toMatchObject({ refused: 3 });

    expect((await setOutage(true)).json()).toMatchObject({ down: true, refused: 0 });
    expect((await postBatch(h.app, [wireEvent()])).statusCode).toBe(503);
    expect((await h.app.inject({ method: 'GET', url: '/demo/outage' })).json()).toMatchObject({ down: true, refused: 1 });
    // Switching "down" again while down is not a new outage.
    expect((await setOutage(true)).json()).toMatchObject({ down: true, refused: 1 });
  });

  it('logs an outage once at info when it starts and once when it ends, never its 503s as errors', async () => {
    const lines: string[] = [];
    h = createHarness({ demoControls: true, logger: { level: 'info', stream: { write: (l: string) => void lines.push(l) } } });
    await setOutage(true);
    for (let i = 0; i < 5; i++) expect((await postBatch(h.app, [wireEvent()])).statusCode).toBe(503);
    await h.app.inject({ method: 'GET', url: '/p.gif?e=email_opened&aid=a1' });
    await setOutage(false);

    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.map((l) => [l.level, l.msg, l.refused])).toEqual([
      [30, 'demo outage started: ingest answers 503 until it is switched back', undefined],
      [30, 'demo outage over: ingest accepts events again', 6],
    ]);
    expect(lines.join('')).not.toContain('stack');
  });

  it('refuses a body without a boolean "down" with a 400 and a reason', async () => {
    h = createHarness({ demoControls: true });
    for (const down of ['yes', 1, null]) {
      const res = await setOutage(down);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid-body' });
    }
    const empty = await h.app.inject({ method: 'POST', url: '/demo/outage' });
    expect(empty.statusCode).toBe(400);
    expect((await h.app.inject({ method: 'GET', url: '/demo/outage' })).json()).toMatchObject({ down: false });
  });
});

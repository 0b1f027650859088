/** `GET /dashboard` and its assets, served by the collector from a built dashboard directory. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../collector/harness.js';

let h: Harness | undefined;
let dir = '';

afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function built(): string {
  dir = mkdtempSync(join(tmpdir(), 'homing-dashboard-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<link rel="stylesheet" href="{{dashboard.css}}"><script type="module" src="{{dashboard.js}}"></script>');
  writeFileSync(join(dir, 'dashboard.js'), 'console.log(1)');
  writeFileSync(join(dir, 'dashboard.css'), 'body{}');
  return dir;
}

describe('GET /dashboard', () => {
  it('serves the page uncached, under a strict CSP, naming its assets by content hash', async () => {
    h = createHarness({ dashboardDir: built() });
    const res = await h.app.inject({ url: '/dashboard' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const [, js] = /src="\/dashboard\/dashboard\.js\?v=([0-9a-f]{16})"/.exec(res.body) ?? [];
    const [, css] = /href="\/dashboard\/dashboard\.css\?v=([0-9a-f]{16})"/.exec(res.body) ?? [];
    expect(js).toBeDefined();
    expect(css).toBeDefined();
    expect(js).not.toBe(css);
    expect((await h.app.inject({ url: '/dashboard/' })).body).toBe(res.body);
  });

  it('caches a versioned asset for a year, revalidates an unversioned one, answers 304 to its ETag', async () => {
    h = createHarness({ dashboardDir: built() });
    const page = (await h.app.inject({ url: '/dashboard' })).body;
    const url = /src="([^"]+)"/.exec(page)![1];
    const versioned = await h.app.inject({ url });
    expect(versioned.statusCode).toBe(200);
    expect(versioned.body).toBe('console.log(1)');
    expect(versioned.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const plain = await h.app.inject({ url: '/dashboard/dashboard.css?v=stale' });
    expect(plain.headers['cache-control']).toBe('no-cache');
    expect(plain.headers['content-type']).toBe('text/css; charset=utf-8');
    const again = await h.app.inject({ url: '/dashboard/dashboard.css', headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers 404 for other files and 503 with the reason when the dashboard is not built', async () => {
    h = createHarness({ dashboardDir: built() });
    expect((await h.app.inject({ url: '/dashboard/index.html' })).statusCode).toBe(404);
    expect((await h.app.inject({ url: '/dashboard/..%2Fsecret' })).statusCode).toBe(404);
    await h.close();
    h = createHarness({ dashboardDir: join(dir, 'missing') });
    const res = await h.app.inject({ url: '/dashboard' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'dashboard-not-built', reason: expect.stringContaining('node build.mjs') });
  });
});

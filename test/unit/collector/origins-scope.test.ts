/**
 * `--origins` says which sites may send events (issue 14): it governs the event routes and the
 * demo's outage switch, and never the collector's own pages, assets, report API, live view,
 * health or admin routes, which a browser may request with an `Origin` header of the collector's
 * own origin (Chromium sends one with the dashboard's module script) and which keys protect.
 * A refused origin is logged at warn, once per origin per interval however many requests it sends,
 * and counted (`originRefused` in `GET /v1/stats`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector, createKeyRing, createSqliteStore, type SqliteStore } from '../../../src/collector/index.js';
import { openSqliteReportSource, type SqliteReportSource } from '../../../src/collector/store/sqlite-reports.js';
import { postBatch } from './harness.js';
import { NOW, wireEvent } from '../../helpers/events.js';

const SHOP = 'http://127.0.0.1:8080';
/** The collector's own origin: what Chromium puts in `Origin` for the dashboard's module script. */
const SELF = 'http://127.0.0.1:8787';
const EVIL = 'https://evil.example';
const READ = 'read-key-0123456789abcdef';
const ADMIN = 'admin-key-0123456789abcdef';

let dir = '';
let store: SqliteStore | undefined;
let source: SqliteReportSource | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  source?.close();
  store?.close();
  [app, source, store] = [undefined, undefined, undefined];
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A collector allowing only SHOP to send, with a built dashboard, a report source, keys, logs. */
function start(log?: { write(line: string): void }): FastifyInstance {
  dir = mkdtempSync(join(tmpdir(), 'homing-origins-'));
  const dashboardDir = join(dir, 'dashboard');
  mkdirSync(dashboardDir);
  writeFileSync(join(dashboardDir, 'index.html'), '<link rel="stylesheet" href="{{dashboard.css}}"><script type="module" src="{{dashboard.js}}"></script>');
  writeFileSync(join(dashboardDir, 'dashboard.js'), 'console.log(1)');
  writeFileSync(join(dashboardDir, 'dashboard.css'), 'body{}');
  store = createSqliteStore(join(dir, 'events.sqlite'));
  source = openSqliteReportSource(join(dir, 'events.sqlite'));
  app = createCollector({
    store,
    reports: source,
    origins: [SHOP],
    now: () => NOW,
    dashboardDir,
    keys: createKeyRing([{ kind: 'read', key: READ, label: 'dash' }, { kind: 'admin', key: ADMIN, label: 'ops' }]),
    logger: log ? { level: 'info', stream: log } : false,
  });
  return app;
}

function preflight(a: FastifyInstance, url: string, origin: string, method = 'POST') {
  return a.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
  });
}

describe('--origins governs who sends events, not the collector own pages', () => {
  it('serves the dashboard page, its module script and its stylesheet whatever Origin they carry', async () => {
    const a = start();
    const page = await a.inject({ url: '/dashboard', headers: { origin: SELF } });
    expect(page.statusCode).toBe(200);
    const js = /src="(\/dashboard\/dashboard\.js\?v=[0-9a-f]{16})"/.exec(page.body)![1];
    const css = /href="(\/dashboard\/dashboard\.css\?v=[0-9a-f]{16})"/.exec(page.body)![1];
    for (const origin of [SELF, EVIL, 'null']) {
      for (const url of ['/dashboard', '/dashboard/', js, css, '/dashboard/dashboard.js']) {
        for (const method of ['GET', 'HEAD'] as const) {
          const res = await a.inject({ method, url, headers: { origin } });
          expect([method, url, origin, res.statusCode]).toEqual([method, url, origin, 200]);
          // Same-origin needs no CORS header, and another site is not invited to read.
          expect(res.headers['access-control-allow-origin']).toBeUndefined();
        }
      }
    }
  });

  it('answers the icon browsers ask the dashboard origin for with nothing, not a 404 in the console', async () => {
    const a = start();
    const res = await a.inject({ url: '/favicon.ico', headers: { origin: SELF } });
    expect(res.statusCode).toBe(204);
    expect(res.headers['cache-control']).toContain('max-age=');
  });

  it('answers the report API, the live view, health and admin routes by their keys, not by Origin', async () => {
    const a = start();
    for (const origin of [SELF, EVIL]) {
      const report = await a.inject({ url: '/v1/reports/top-events', headers: { origin, authorization: `Bearer ${READ}` } });
      expect([origin, report.statusCode]).toEqual([origin, 200]);
      expect(report.headers['access-control-allow-origin']).toBeUndefined();
      // Without a key, the key check answers: 401, not the origin's 403.
      const keyless = await a.inject({ url: '/v1/reports/top-events', headers: { origin } });
      expect([origin, keyless.statusCode]).toEqual([origin, 401]);
      const live = await a.inject({ url: '/v1/live', headers: { origin } });
      expect([origin, live.statusCode]).toEqual([origin, 401]);
      const health = await a.inject({ url: '/healthz', headers: { origin } });
      expect([origin, health.statusCode]).toEqual([origin, 200]);
      const stats = await a.inject({ url: '/v1/stats', headers: { origin, authorization: `Bearer ${ADMIN}` } });
      expect([origin, stats.statusCode]).toEqual([origin, 200]);
      expect(stats.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('offers no preflight for routes that are not for other sites (the report API is same-origin)', async () => {
    const a = start();
    for (const [url, method] of [['/v1/reports/top-events', 'GET'], ['/v1/users/u-1', 'DELETE'], ['/dashboard/dashboard.js', 'GET']]) {
      const res = await preflight(a, url, SHOP, method);
      expect([url, res.statusCode]).toEqual([url, 404]);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('still refuses a foreign origin on every event route, and its preflight, and stores nothing', async () => {
    const a = start();
    for (const url of ['/v1/batch', '/v1/track', '/v1/page', '/v1/identify', '/v1/s2s']) {
      const payload = JSON.stringify({ batch: [wireEvent()], ...wireEvent() });
      const post = await a.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain', origin: EVIL }, payload });
      expect([url, post.statusCode, post.json().error]).toEqual([url, 403, 'origin-not-allowed']);
      expect([url, (await preflight(a, url, EVIL)).statusCode]).toEqual([url, 403]);
      const allowed = await preflight(a, url, SHOP);
      expect([url, allowed.statusCode, allowed.headers['access-control-allow-origin']]).toEqual([url, 204, SHOP]);
    }
    expect(store!.count()).toBe(0);
  });
});

describe('a refused origin', () => {
  it('is logged at warn with its origin and path, once for a flood, and counted', async () => {
    const out: string[] = [];
    const a = start({ write: (line) => void out.push(line) });
    for (let i = 0; i < 50; i++) await postBatch(a, [wireEvent()], { headers: { origin: EVIL } });
    await preflight(a, '/v1/track', 'https://other.example');

    const refused = out.map((l) => JSON.parse(l)).filter((l) => String(l.msg).startsWith('request refused: origin not allowed'));
    // The collector's clock stands still here: one line per origin, however many requests.
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ level: 40, origin: EVIL, path: '/v1/batch' });
    expect(refused[1]).toMatchObject({ level: 40, origin: 'https://other.example', path: '/v1/track' });

    const stats = await a.inject({ url: '/v1/stats', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(stats.json().counters.originRefused).toBe(51);
  });
});

/**
 * The report routes through `app.inject` on a real SQLite file: keys (secure by default), strict
 * queries, no CORS for site origins, and the quality counters recorded from real ingest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCollector, createKeyRing, createSqliteStore, type KeySpec, type SqliteStore } from '../../../../src/collector/index.js';
import { openSqliteReportSource, type SqliteReportSource } from '../../../../src/collector/store/sqlite-reports.js';
import type { QualityReport } from '../../../../src/shared/reports.js';
import { postBatch } from '../harness.js';
import { NOW, wireEvent } from '../../../helpers/events.js';

const READ = 'read-key-0123456789abcdef';
const ADMIN = 'admin-key-0123456789abcdef';
const SITE = 'https://shop.example';

let dir: string;
let store: SqliteStore;
let source: SqliteReportSource;
let app: FastifyInstance;

function start(keys: KeySpec[] = [{ kind: 'read', key: READ, label: 'dash' }, { kind: 'admin', key: ADMIN, label: 'ops' }]) {
  app = createCollector({ store, reports: source, origins: [SITE], now: () => NOW, keys: createKeyRing(keys) });
}
const get = (url: string, key: string | null = READ, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}`, ...headers } : headers });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'homing-report-routes-'));
  store = createSqliteStore(join(dir, 'events.sqlite'));
  source = openSqliteReportSource(join(dir, 'events.sqlite'));
});
afterEach(async () => {
  await app?.close();
  source.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report routes', () => {
  it('answer 401 saying how to configure a key when no read or admin key exists', async () => {
    start([]);
    const res = await get('/v1/reports/quality', 'anything-0123456789abcdef');
    expect(res.statusCode).toBe(401);
    expect(res.json().reason).toMatch(/--read-keys <key> \(or HOMING_READ_KEYS, or a "read <key>" line in the keys file\)/);
  });

  it('take a read key or the admin key, and nothing else', async () => {
    start([{ kind: 'read', key: READ, label: 'dash' }, { kind: 'admin', key: ADMIN, label: 'ops' }, { kind: 's2s', key: 's2s-key-0123456789abcdef', label: 'srv' }]);
    expect((await get('/v1/reports/top-events')).statusCode).toBe(200);
    expect((await get('/v1/reports/top-events', ADMIN)).statusCode).toBe(200);
    const s2s = await get('/v1/reports/top-events', 's2s-key-0123456789abcdef');
    expect([s2s.statusCode, s2s.json().error]).toEqual([401, 'unauthorized']);
    expect((await get('/v1/reports/top-events', null)).statusCode).toBe(401);
  });

  it('carry no CORS headers for a site origin (the dashboard is same-origin)', async () => {
    start();
    const res = await get('/v1/reports/top-events', READ, { origin: SITE });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['/v1/reports/events?tz=Mars/Olympus', 'invalid-tz', /unknown time zone "Mars\/Olympus"/],
    ['/v1/reports/events?bucket=week', 'invalid-bucket', /minute, hour or day/],
    ['/v1/reports/events?bucket=minute&from=2026-11-01T00:00:00Z&to=2026-11-28T00:00:00Z', 'too-many-buckets', /at most 5000/],
    ['/v1/reports/events?from=2026-11-28&to=2026-11-27', 'invalid-range', /before "to"/],
    ['/v1/reports/events?from=yesterday', 'invalid-range', /epoch milliseconds or an ISO 8601/],
    ['/v1/reports/events?buckt=hour', 'unknown-parameter', /unknown parameter "buckt"/],
    ['/v1/reports/events?event=a&event=b', 'invalid-parameter', /given once/],
    ['/v1/reports/events?event=Added%20To%20Cart', 'invalid-parameter', /not an event name/],
    ['/v1/reports/attribution?model=linear', 'invalid-model', /first or last/],
    ['/v1/reports/attribution?value=a.b', 'invalid-parameter', /property name/],
    ['/v1/reports/funnel?steps=a', 'invalid-parameter', /2 to 10 events/],
    ['/v1/reports/funnel?steps=a,b,a', 'invalid-parameter', /twice/],
    ['/v1/reports/outliers?alpha=0', 'invalid-parameter', /"alpha" must be a number above 0/],
    ['/v1/reports/outliers?window=0', 'invalid-parameter', /"window" must be an integer from 1/],
    ['/v1/reports/top-events?limit=-1', 'invalid-parameter', /"limit"/],
  ])('answer 400 with a reason for %s', async (url, code, reason) => {
    start();
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe(code);
    expect(res.json().reason).toMatch(reason);
  });

  it('count duplicates by channel and rejections by reason from ingest, kept in the store', async () => {
    start();
    const a = wireEvent();
    const b = wireEvent();
    await postBatch(app, [a, b, wireEvent({ event: 'Bad Name' })]);
    await postBatch(app, [a, 'junk']);
    await app.inject({ method: 'POST', url: '/v1/batch', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ batch: [b] }) });
    // 6 copies: 2 accepted, 2 duplicates, 2 rejected. The recorder flushes once a second and on
    // close: close, then read through a new app.
    await app.close();
    start();
    const res = await get(`/v1/reports/quality?from=${NOW - 3_600_000}&to=${NOW + 60_000}`);
    expect(res.statusCode).toBe(200);
    const q = res.json<QualityReport>();
    expect(q.duplicates).toEqual({ total: 2, rate: 2 / 6, byChannel: { browser: 2 } });
    expect(q.rejected).toEqual({ total: 2, rate: 2 / 6, byReason: [{ code: 'invalid-event', count: 2 }] });
  });
});

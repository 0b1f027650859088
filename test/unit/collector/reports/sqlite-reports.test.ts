/**
 * The SQLite report queries on a real database file, against fixtures with known answers, and
 * against the engine-neutral references (funnel, delay rounding) they must agree with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore, type StoredEvent } from '../../../../src/collector/index.js';
import { toStoredEvent } from '../../../../src/collector/normalize.js';
import { attributionReport, eventsReport, sessionsReport } from '../../../../src/collector/reports/answers.js';
import { planBuckets } from '../../../../src/collector/reports/buckets.js';
import { countFunnel } from '../../../../src/collector/reports/funnel.js';
import { roundSignificant } from '../../../../src/collector/reports/stats.js';
import { openSqliteReportSource, type SqliteReportSource } from '../../../../src/collector/store/sqlite-reports.js';
import type { CampaignContext, WireEvent } from '../../../../src/shared/event.js';
import { newId, wireEvent } from '../../../helpers/events.js';
import { FUNNEL_FIXTURE, FUNNEL_STEPS } from './fixtures.js';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const ALL = { from: T0 - 86_400_000, to: T0 + 86_400_000 };

let dir: string;
let store: SqliteStore;
let source: SqliteReportSource;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'homing-reports-'));
  store = createSqliteStore(join(dir, 'events.sqlite'));
  source = openSqliteReportSource(join(dir, 'events.sqlite'));
});
afterEach(() => {
  source.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Spec {
  session?: string | null;
  device?: string;
  event?: string;
  type?: WireEvent['type'];
  ts: number;
  /** Receipt time; `ts` (no delay) by default. */
  received?: number;
  sentAt?: number;
  seq?: number;
  campaign?: CampaignContext;
  firstTouch?: CampaignContext;
  properties?: Record<string, unknown>;
  ua?: string;
}

function stored(s: Spec): StoredEvent {
  const homing: Record<string, unknown> = { seq: s.seq ?? 1 };
  if (s.session !== null) homing.sessionId = s.session ?? 'sess';
  if (s.firstTouch) homing.firstTouch = s.firstTouch;
  const e = wireEvent({
    type: s.type ?? 'track',
    event: s.type && s.type !== 'track' ? undefined : s.event ?? 'product_viewed',
    messageId: newId(),
    anonymousId: s.device ?? 'dev-1',
    timestamp: new Date(s.ts).toISOString(),
    properties: s.properties ?? {},
    context: {
      channel: 'browser',
      library: { name: 'homing', version: '1' },
      ...(s.ua ? { userAgent: s.ua } : {}),
      ...(s.campaign ? { campaign: s.campaign } : {}),
      homing: homing as unknown as WireEvent['context']['homing'],
    },
  });
  // The columns as given (normalize.ts would correct `ts` by `sentAt`; its own tests cover that).
  const row = toStoredEvent(e, { receivedAt: s.received ?? s.ts, batchSentAt: null });
  return { ...row, ts: s.ts, sentAt: s.sentAt ?? null };
}

const insert = (...specs: Spec[]) => store.insertBatch(specs.map(stored));

describe('SQLite report source', () => {
  it('attributes conversions and revenue to the first touch and to the last touch', async () => {
    const news = { source: 'news', medium: 'email', name: 'spring' };
    const brand = { source: 'google', medium: 'cpc', name: 'brand' };
    const buy = (value: unknown) => ({ event: 'purchase_completed', properties: { total_value: value } });
    insert(
      // A: came from the newsletter, later through a search ad, bought on the ad's visit.
      { session: 'A', ts: T0, campaign: news, firstTouch: news },
      { session: 'A', ts: T0 + 1, campaign: brand, firstTouch: news },
      { session: 'A', ts: T0 + 2, campaign: brand, firstTouch: news, ...buy(100) },
      // B: no campaign at all, bought (a non-numeric value counts as no revenue).
      { session: 'B', ts: T0 }, { session: 'B', ts: T0 + 1, ...buy(50) }, { session: 'B', ts: T0 + 2, ...buy('lots') },
      // C: the ad all along, bought.
      { session: 'C', ts: T0, campaign: brand, firstTouch: brand }, { session: 'C', ts: T0 + 1, campaign: brand, firstTouch: brand, ...buy(30.5) },
      // D: the newsletter, no purchase.
      { session: 'D', ts: T0, campaign: news, firstTouch: news },
    );
    const q = { ...ALL, tz: 'UTC', conversion: 'purchase_completed', value: 'total_value' };
    const first = await attributionReport(source, { ...q, model: 'first' });
    expect(first.rows).toEqual([
      { source: 'news', medium: 'email', campaign: 'spring', sessions: 2, conversions: 1, revenue: 100 },
      { source: '(direct)', medium: '(none)', campaign: '(none)', sessions: 1, conversions: 2, revenue: 50 },
      { source: 'google', medium: 'cpc', campaign: 'brand', sessions: 1, conversions: 1, revenue: 30.5 },
    ]);
    const last = await attributionReport(source, { ...q, model: 'last' });
    expect(last.rows).toEqual([
      { source: 'google', medium: 'cpc', campaign: 'brand', sessions: 2, conversions: 2, revenue: 130.5 },
      { source: '(direct)', medium: '(none)', campaign: '(none)', sessions: 1, conversions: 2, revenue: 50 },
      { source: 'news', medium: 'email', campaign: 'spring', sessions: 2, conversions: 0, revenue: 0 },
    ]);
  });

  it('counts the funnel as the reference definition does', () => {
    insert(...FUNNEL_FIXTURE.map(([session, event, ts]) => ({ session, event, ts: T0 + ts * 1000 })));
    const reference = countFunnel(FUNNEL_FIXTURE.map(([session, event, ts]) => ({ session, event, ts })), FUNNEL_STEPS);
    expect(source.funnel(ALL, FUNNEL_STEPS)).toEqual(reference);
    expect(reference).toEqual([5, 3, 1]);
    // Events outside the range do not count.
    expect(source.funnel({ from: T0 + 2000, to: ALL.to }, FUNNEL_STEPS)).toEqual([3, 1, 0]);
  });

  it('buckets counts by local day in the database, the 25-hour day included', async () => {
    const at = (iso: string, event = 'add_to_cart') => ({ ts: Date.parse(iso), event });
    insert(
      at('2026-10-24T21:59:59.999Z'), // 23:59:59 CEST, the 24th
      at('2026-10-24T22:00:00.000Z'), at('2026-10-25T00:30:00Z'), at('2026-10-25T01:30:00Z'), at('2026-10-25T22:59:59Z'), // the 25th
      at('2026-10-25T23:00:00Z'), at('2026-10-25T23:00:00Z', 'search'), // the 26th
      { type: 'page', ts: Date.parse('2026-10-25T12:00:00Z') },
    );
    const report = await eventsReport(source, {
      from: Date.parse('2026-10-23T22:00:00Z'), to: Date.parse('2026-10-26T23:00:00Z'), tz: 'Europe/Berlin', bucket: 'day', events: null, limit: 10,
    });
    expect(report.series).toEqual([
      { event: 'add_to_cart', total: 6, points: [{ t: Date.parse('2026-10-23T22:00:00Z'), count: 1 }, { t: Date.parse('2026-10-24T22:00:00Z'), count: 4 }, { t: Date.parse('2026-10-25T23:00:00Z'), count: 1 }] },
      { event: 'search', total: 1, points: [{ t: Date.parse('2026-10-23T22:00:00Z'), count: 0 }, { t: Date.parse('2026-10-24T22:00:00Z'), count: 0 }, { t: Date.parse('2026-10-25T23:00:00Z'), count: 1 }] },
    ]);
    expect(report.totals).toEqual({ events: 8, byType: { track: 7, page: 1 } });
    // Every event, any type, per bucket (the outliers' series).
    const plan = planBuckets({ from: Date.parse('2026-10-23T22:00:00Z'), to: Date.parse('2026-10-26T23:00:00Z') }, 'day', 'Europe/Berlin');
    const all = source.eventCounts({ from: Date.parse('2026-10-23T22:00:00Z'), to: Date.parse('2026-10-26T23:00:00Z') }, plan.bucketing, null);
    const perBucket = [0, 0, 0];
    for (const r of all) perBucket[plan.indexOf(r.offset, r.key)] += r.count;
    expect(perBucket).toEqual([1, 5, 2]);
  });

  it('counts sessions, their sizes and the devices', async () => {
    insert(
      { session: 's1', device: 'a', ts: T0 }, { session: 's1', device: 'a', ts: T0 + 1 }, { session: 's1', device: 'a', ts: T0 + 2 },
      { session: 's2', device: 'a', ts: T0 },
      { session: 's3', device: 'b', ts: T0 }, { session: 's3', device: 'b', ts: T0 + 1 },
      { session: null, device: 'c', ts: T0 },
    );
    const r = await sessionsReport(source, { ...ALL, tz: 'UTC' });
    expect({ sessions: r.sessions, events: r.events, devices: r.devices }).toEqual({ sessions: 3, events: 7, devices: 3 });
    expect(r.eventsPerSession).toEqual({ mean: 2, p50: 2, p90: 3, max: 3 });
    expect(r.histogram.slice(0, 3)).toEqual([{ label: '1', sessions: 1 }, { label: '2', sessions: 1 }, { label: '3-4', sessions: 1 }]);
  });

  it('finds sequence gaps, the user agent of a browser event, skew and rounded delays as the reference rounds them', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    const delays = [5, 999, 1234, 123_456, 7_654_321];
    insert(
      ...delays.map((d, i) => ({ device: 'd1', seq: [1, 2, 4, 5, 8][i], ts: T0 + i, received: T0 + i + d, sentAt: T0 + i + d - 40, ua })),
      { device: 'd2', seq: 3, ts: T0, received: T0 + 10, sentAt: T0 + 10 + 5_000 },
    );
    store.insertBatch([], { deviceId: 'd1', at: T0, receivedAt: T0, counts: { captured: 9, evicted: 1 }, lastSeq: 9 });
    const { devices, delays: got } = source.deliveries(ALL);
    expect(devices.sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1))).toEqual([
      { deviceId: 'd1', minSeq: 1, maxSeq: 8, seqs: 5, userAgent: ua, minAbsSkew: 40, manifest: { captured: 9, evicted: 1 } },
      { deviceId: 'd2', minSeq: 3, maxSeq: 3, seqs: 1, userAgent: null, minAbsSkew: 5_000, manifest: null },
    ]);
    expect(got.latency.sort((a, b) => a[0] - b[0])).toEqual([...delays.map((d) => [roundSignificant(d), 1]), [10, 1]].sort((a, b) => a[0] - b[0]));
    expect(got.latencyMax).toBe(7_654_321);
    expect(got.skew.sort((a, b) => a[0] - b[0])).toEqual([[-5_000, 1], [40, 5]]);
    expect(got.skewMax).toBe(-5_000);
  });

  it('reads the quality counters of the minutes in the range', () => {
    store.addQualityCounts([
      { minute: T0, kind: 'duplicate', channel: 'server', code: '', count: 2 },
      { minute: T0, kind: 'duplicate', channel: 'server', code: '', count: 3 },
      { minute: T0 + 60_000, kind: 'rejected', channel: 'browser', code: 'invalid-event', count: 1 },
      { minute: T0 + 120_000, kind: 'accepted', channel: 'browser', code: '', count: 9 },
    ]);
    const rows = source.counters({ from: T0, to: T0 + 120_000 });
    expect(rows.sort((a, b) => (a.kind < b.kind ? -1 : 1))).toEqual([
      { kind: 'duplicate', channel: 'server', code: '', count: 5 },
      { kind: 'rejected', channel: 'browser', code: 'invalid-event', count: 1 },
    ]);
  });

  it('refuses a missing file, and one from before the report schema, saying what to do', () => {
    expect(() => openSqliteReportSource(join(dir, 'missing.sqlite'))).toThrow();
    new Database(join(dir, 'old.sqlite')).close();
    expect(() => openSqliteReportSource(join(dir, 'old.sqlite'))).toThrow(/schema version 0; reports need 4 or later \(start the collector on it once/);
  });
});

/**
 * The report API and the audit command against a real collector process over real HTTP: events
 * loaded through /v1/batch (with resends, a server copy through /v1/s2s, rejected ones and a loss
 * manifest), the collector restarted (the quality counters must survive it), then every report
 * answers the figures the fixture was built to give, and the audit exits by its thresholds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AttributionReport, EventsReport, FunnelReport, OutliersReport, QualityReport, SessionsReport, TopEventsReport,
} from '../../../src/shared/reports.js';
import type { WireEvent } from '../../../src/shared/event.js';
import { newId, wireEvent } from '../../helpers/events.js';
import { postJson, runCollectorCli, send, startCollector, type Collector } from '../../helpers/collector.js';

const READ = 'read-key-0123456789abcdef';
const S2S = 's2s-key-0123456789abcdef';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const NEWS = { source: 'news', medium: 'email', name: 'spring' };
const BRAND = { source: 'google', medium: 'cpc', name: 'brand' };
/** Capture times two hours back, one second apart; the range covers them and the receipts. */
const T = Math.floor(Date.now() / 1000) * 1000 - 2 * 3_600_000;
const FROM = T - 3_600_000;
const TO = Date.now() + 3_600_000;

type Spec = [device: string, ua: string, session: string, seq: number, name: string | null, campaign?: typeof NEWS, value?: number];
// Device d1 (Chrome) loses seq 3 and 8; d2 (Firefox) loses nothing.
const SPECS: Spec[] = [
  ['d1', CHROME, 's1', 1, null, NEWS], ['d1', CHROME, 's1', 2, 'product_viewed', NEWS], ['d1', CHROME, 's1', 4, 'add_to_cart', NEWS],
  ['d1', CHROME, 's1', 5, 'purchase_completed', NEWS, 40],
  ['d1', CHROME, 's2', 6, 'product_viewed'], ['d1', CHROME, 's2', 7, 'add_to_cart'], ['d1', CHROME, 's2', 9, 'product_viewed'], ['d1', CHROME, 's2', 10, 'search'],
  ['d2', FIREFOX, 's3', 1, 'product_viewed', BRAND], ['d2', FIREFOX, 's3', 2, 'add_to_cart', BRAND], ['d2', FIREFOX, 's3', 3, 'purchase_completed', BRAND, 60.5],
  ['d2', FIREFOX, 's3', 4, 'product_viewed', BRAND], ['d2', FIREFOX, 's3', 5, null, BRAND],
];

function event([device, ua, session, seq, name, campaign, value]: Spec, i: number): WireEvent {
  return wireEvent({
    type: name === null ? 'page' : 'track',
    event: name ?? undefined,
    messageId: newId(),
    anonymousId: device,
    timestamp: new Date(T + i * 1000).toISOString(),
    properties: value === undefined ? {} : { total_value: value },
    context: {
      channel: 'browser',
      library: { name: 'homing', version: '1' },
      userAgent: ua,
      ...(campaign ? { campaign } : {}),
      homing: { seq, sessionId: session, ...(campaign ? { firstTouch: campaign } : {}) },
    },
  });
}

let c: Collector;
const events = SPECS.map(event);
const get = <T>(path: string, key: string | null = READ) =>
  send(c.url, { path, headers: key === null ? {} : { authorization: `Bearer ${key}` } }).then((r) => ({ status: r.status, body: r.json<T>() }));
const range = `from=${FROM}&to=${TO}`;

beforeAll(async () => {
  const env = { HOMING_READ_KEYS: READ, HOMING_S2S_KEYS: S2S };
  c = await startCollector({ env });
  const first = await postJson(c.url, '/v1/batch', {
    batch: events.slice(0, 8),
    manifest: { deviceId: 'd1', at: T + 60_000, counts: { captured: 10, delivered: 8, evicted: 2 }, lastSeq: 10 },
  });
  expect(first.json().accepted).toHaveLength(8);
  await postJson(c.url, '/v1/batch', { batch: events.slice(8) });
  // A resend through the SDK path and a server copy of a purchase: two duplicates, one per channel.
  await postJson(c.url, '/v1/batch', { batch: [events[1]] });
  await postJson(c.url, '/v1/s2s', events[3], { authorization: `Bearer ${S2S}` });
  // Three rejected: two bad names and something that is not an event.
  const bad = await postJson(c.url, '/v1/batch', { batch: [wireEvent({ event: 'Bad Name' }), wireEvent({ event: 'Also Bad' }), 'junk'] });
  expect(bad.json().rejected).toHaveLength(3);
  // Counters are flushed every second and at shutdown; a restart must keep them.
  const dir = c.dir;
  await c.stop();
  c = await startCollector({ env, dir });
});
afterAll(async () => {
  await c?.dispose();
});

describe('the report API of a real collector', () => {
  it('refuses readers without a read key', async () => {
    expect((await get(`/v1/reports/quality?${range}`, null)).status).toBe(401);
    expect((await get(`/v1/reports/quality?${range}`, S2S)).status).toBe(401);
    const bad = await get<{ error: string }>(`/v1/reports/events?${range}&tz=Nowhere/Land`);
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid-tz']);
  });

  it('counts events by name over time, with totals by type', async () => {
    const { status, body } = await get<EventsReport>(`/v1/reports/events?${range}&bucket=hour&tz=Europe/Berlin`);
    expect(status).toBe(200);
    expect(body.totals).toEqual({ events: 13, byType: { track: 11, page: 2 } });
    expect(body.series.map((s) => [s.event, s.total])).toEqual([['product_viewed', 5], ['add_to_cart', 3], ['purchase_completed', 2], ['search', 1]]);
    for (const s of body.series) expect(s.points.reduce((n, p) => n + p.count, 0)).toBe(s.total);
    expect(body.series[0].points.length).toBeGreaterThanOrEqual(4);
  });

  it('lists the top events with their devices', async () => {
    const { body } = await get<TopEventsReport>(`/v1/reports/top-events?${range}`);
    expect(body.events).toEqual([
      { event: 'product_viewed', count: 5, devices: 2 }, { event: 'add_to_cart', count: 3, devices: 2 },
      { event: 'purchase_completed', count: 2, devices: 2 }, { event: 'search', count: 1, devices: 1 },
    ]);
  });

  it('counts sessions and events per session', async () => {
    const { body } = await get<SessionsReport>(`/v1/reports/sessions?${range}`);
    expect({ sessions: body.sessions, events: body.events, devices: body.devices }).toEqual({ sessions: 3, events: 13, devices: 2 });
    expect(body.eventsPerSession).toEqual({ mean: 13 / 3, p50: 4, p90: 5, max: 5 });
  });

  it('attributes revenue to the last and the first touch', async () => {
    const last = await get<AttributionReport>(`/v1/reports/attribution?${range}&model=last`);
    expect(last.body.rows).toEqual([
      { source: 'google', medium: 'cpc', campaign: 'brand', sessions: 1, conversions: 1, revenue: 60.5 },
      { source: 'news', medium: 'email', campaign: 'spring', sessions: 1, conversions: 1, revenue: 40 },
      { source: '(direct)', medium: '(none)', campaign: '(none)', sessions: 1, conversions: 0, revenue: 0 },
    ]);
    const first = await get<AttributionReport>(`/v1/reports/attribution?${range}&model=first&conversion=purchase_completed&value=total_value`);
    expect(first.body.rows.map((r) => [r.source, r.revenue])).toEqual([['google', 60.5], ['news', 40], ['(direct)', 0]]);
  });

  it('follows a funnel', async () => {
    const { body } = await get<FunnelReport>(`/v1/reports/funnel?${range}&steps=product_viewed,add_to_cart,purchase_completed`);
    expect(body.steps.map((s) => [s.event, s.sessions])).toEqual([['product_viewed', 3], ['add_to_cart', 3], ['purchase_completed', 2]]);
    expect(body.steps[2].fromStart).toBeCloseTo(2 / 3, 12);
  });

  it('reports quality: duplicates by channel, rejections by reason (kept across the restart), loss, manifests, latency', async () => {
    const { body } = await get<QualityReport>(`/v1/reports/quality?${range}`);
    expect(body.duplicates).toEqual({ total: 2, rate: 2 / 18, byChannel: { browser: 1, server: 1 } });
    expect(body.rejected).toEqual({ total: 3, rate: 3 / 18, byReason: [{ code: 'invalid-event', count: 3 }] });
    const { byBrowser, byDevice, manifests, ...overall } = body.loss;
    expect(overall).toEqual({ expected: 15, received: 13, missing: 2, rate: 2 / 15 });
    expect(byBrowser).toEqual([
      { browser: 'Chrome', expected: 10, received: 8, missing: 2, rate: 0.2 },
      { browser: 'Firefox', expected: 5, received: 5, missing: 0, rate: 0 },
    ]);
    expect(byDevice).toEqual([{ deviceId: 'd1', browser: 'Chrome', expected: 10, received: 8, missing: 2, rate: 0.2 }]);
    expect(manifests).toEqual({ devices: 1, counts: { captured: 10, delivered: 8, evicted: 2 } });
    // Captured two hours before receipt (no sentAt: nothing to correct).
    expect(body.latency.p50).toBeGreaterThanOrEqual(1.99 * 3_600_000);
    expect(body.latency.histogram.reduce((n, b) => n + b.count, 0)).toBe(13);
  });

  it('flags outliers on a counted series', async () => {
    const { body } = await get<OutliersReport>(`/v1/reports/outliers?${range}&bucket=hour&event=product_viewed&z=2&window=3`);
    expect(body.params).toEqual({ z: 2, k: 1.5, window: 3, alpha: 0.3 });
    expect(body.points.reduce((n, p) => n + p.count, 0)).toBe(5);
    expect(body.points.every((p) => typeof p.ewma === 'number')).toBe(true);
  });
});

function audit(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCollectorCli(['audit', '--db', c.dbPath, '--from', String(FROM), '--to', String(TO), ...args]);
}

describe('homing-collector audit', () => {
  it('exits 1 past a threshold and says which', async () => {
    const r = await audit('--max-missing-rate', '0.05');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/missing rate\s+13\.33 %\s+5\.00 %\s+FAILED/);
    expect(r.stdout).toMatch(/FAILED: missing rate 13\.33 % is above 5\.00 %/);
    const dup = await audit('--max-missing-rate', '0.2', '--max-duplicate-rate', '0.1');
    expect(dup.code).toBe(1);
    expect(dup.stdout).toMatch(/FAILED: duplicate rate 11\.11 % is above 10\.00 %/);
  });

  it('exits 0 under the thresholds, with the same figures as the report API in --json', async () => {
    const r = await audit('--max-missing-rate', '0.2', '--max-duplicate-rate', '0.2', '--max-rejected-rate', '0.2', '--max-flagged-rate', '0', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.passed).toBe(true);
    expect([out.report.loss.missing, out.report.duplicates.total, out.report.rejected.total]).toEqual([2, 2, 3]);
    // Homing's own library breaking a name is rejected, never flagged.
    expect(out.report.flagged).toEqual({ total: 0, rate: 0, byRule: [] });
    expect(r.stderr).toBe(''); // not a terminal: no progress bar
  });

  it('exits 2 on bad usage', async () => {
    const r = await audit('--max-missing-rate', 'lots');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid --max-missing-rate "lots"/);
  });
});

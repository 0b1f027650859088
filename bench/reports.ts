/**
 * Reports on 1,000,000 stored events: generates a week of realistic traffic straight into a SQLite
 * file through the store (devices with sequence numbers and planted gaps, sessions, UTM campaigns,
 * purchases with `total_value`, latency and clock skew, loss manifests, ingest counters), then
 * times every report (median of 5) through the collector's report workers (two threads, each
 * with its own read-only connection). Budget: each report under 1 s (docs/budgets.md).
 */
import { join } from 'node:path';
import type { StoredEvent, StoredManifest, QualityCount } from '../src/collector/store/store.js';
import { createSqliteStore } from '../src/collector/store/sqlite.js';
import { createSqliteReportWorker } from '../src/collector/store/reports-worker-source.js';
import {
  attributionReport, eventsReport, funnelReport, outliersReport, qualityReport, sessionsReport, topEventsReport,
} from '../src/collector/reports/answers.js';
import { DEFAULT_OUTLIER_PARAMS } from '../src/collector/reports/outliers.js';
import { createUuidV7 } from '../src/shared/uuid-v7.js';
import { seededRandom as random } from '../test/helpers/seeded-random.js';

const EVENTS = 1_000_000;
const DEVICES = 25_000;
const DAY = 86_400_000;
const RUNS = 5;

const UAS = [
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 60],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 20],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 12],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 8],
] as const;
const CAMPAIGNS = [
  { source: 'newsletter', medium: 'email', name: 'winter_sale' },
  { source: 'google', medium: 'cpc', name: 'brand' },
  { source: 'google', medium: 'cpc', name: 'generic' },
  { source: 'facebook', medium: 'social', name: 'retargeting' },
  { source: 'partner', medium: 'referral', name: 'blog_review' },
];


interface Device {
  id: string;
  ua: string;
  seq: number;
  /** Share of its events that never arrive (planted gaps). */
  loss: number;
  /** Its clock's lag behind the collector's, ms. */
  skew: number;
  captured: number;
  lost: number;
}

/** Where the generated week goes: a store, or anything that takes the store's rows (bench/clickhouse-reports.ts). */
export interface ReportWeekSink {
  insert(events: StoredEvent[]): unknown;
  manifest(manifest: StoredManifest): unknown;
  counts(counts: QualityCount[]): unknown;
}

/** Generates the week ending at `end` (an hour boundary) into `sink`, in batches of 1,000 events. */
export async function generateReportWeek(sink: ReportWeekSink, end: number) {
  const rnd = random(7);
  const start = end - 7 * DAY;
  const mint = createUuidV7((bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256);
    return bytes;
  });
  const pickUa = () => {
    let x = rnd() * 100;
    for (const [ua, w] of UAS) if ((x -= w) < 0) return ua;
    return UAS[0][0];
  };
  const devices: Device[] = Array.from({ length: DEVICES }, (_, i) => ({
    id: `dev-${i}`,
    ua: pickUa(),
    seq: 0,
    loss: rnd() < 0.1 ? 0.05 : 0,
    skew: rnd() < 0.15 ? Math.round((rnd() < 0.5 ? -1 : 1) * (2_000 + rnd() * 600_000)) : Math.round(rnd() * 200),
    captured: 0,
    lost: 0,
  }));

  // Session starts over the week, busier in the evening (a diurnal wave), in time order.
  const starts: number[] = [];
  // About 8.4 events per session, less the planted loss: enough sessions to reach EVENTS.
  const sessionCount = Math.round(EVENTS / 7);
  while (starts.length < sessionCount) {
    const t = start + rnd() * 7 * DAY;
    const hour = ((t % DAY) / 3_600_000 + 24) % 24;
    if (rnd() < 0.35 + 0.65 * Math.sin((Math.PI * hour) / 24) ** 2) starts.push(Math.floor(t));
  }
  starts.sort((a, b) => a - b);

  const counts = new Map<string, QualityCount>();
  const count = (minute: number, kind: QualityCount['kind'], channel: string, code: string, n: number) => {
    const key = `${minute}|${kind}|${channel}|${code}`;
    const c = counts.get(key);
    if (c) c.count += n;
    else counts.set(key, { minute, kind, channel, code, count: n });
  };
  let batch: StoredEvent[] = [];
  let stored = 0;
  let sessions = 0;
  for (let s = 0; s < starts.length && stored < EVENTS; s++) {
    const device = devices[Math.floor(rnd() * DEVICES)];
    const sessionId = `s-${s}`;
    sessions++;
    const touch = rnd() < 0.45 ? CAMPAIGNS[Math.floor(rnd() * CAMPAIGNS.length)] : undefined;
    const names: string[] = ['page'];
    const views = 1 + Math.floor(-Math.log(1 - rnd()) * 6);
    for (let v = 0; v < views; v++) names.push(rnd() < 0.15 ? 'search' : 'product_viewed');
    if (rnd() < 0.35) {
      names.push('add_to_cart');
      if (rnd() < 0.6) {
        names.push('checkout_started');
        if (rnd() < 0.7) names.push('purchase_completed');
      }
    }
    if (rnd() < 0.2) names.push('video_started');
    let ts = starts[s];
    let sessionSeq = 0;
    for (const name of names) {
      ts += 2_000 + Math.floor(rnd() * 40_000);
      device.seq++;
      device.captured++;
      sessionSeq++;
      if (device.loss > 0 && rnd() < device.loss) {
        device.lost++;
        continue;
      }
      const transit = rnd() < 0.05 ? 60_000 + Math.floor(rnd() * 3 * 3_600_000) : 40 + Math.floor(rnd() * 400);
      const receivedAt = ts + transit;
      const sentAt = receivedAt - 30 - Math.floor(rnd() * 100) - device.skew;
      const isPage = name === 'page';
      const props: Record<string, unknown> = isPage ? {} : { product_id: `sku-${Math.floor(rnd() * 500)}` };
      if (name === 'purchase_completed') props.total_value = Math.round((10 + rnd() * 190) * 100) / 100;
      const messageId = mint(ts);
      const payload = {
        type: isPage ? 'page' : 'track',
        ...(isPage ? { name: 'Product list' } : { event: name }),
        properties: props,
        messageId,
        anonymousId: device.id,
        timestamp: new Date(ts).toISOString(),
        originalTimestamp: new Date(ts - device.skew).toISOString(),
        receivedAt: new Date(receivedAt).toISOString(),
        context: {
          channel: 'browser',
          library: { name: 'homing', version: '0.1.0' },
          userAgent: device.ua,
          page: { url: 'https://shop.example/products', path: '/products', search: '', title: 'Products', referrer: '' },
          ...(touch ? { campaign: touch } : {}),
          homing: { seq: device.seq, sessionId, sessionSeq, ...(touch ? { firstTouch: touch } : {}) },
        },
      };
      batch.push({
        messageId, type: payload.type as 'track' | 'page', event: isPage ? null : name, anonymousId: device.id, userId: null,
        ts, receivedAt, sentAt, seq: device.seq, sessionId, channel: 'browser',
        utmSource: touch?.source ?? null, utmMedium: touch?.medium ?? null, utmCampaign: touch?.name ?? null,
        pageUrl: payload.context.page.url, pagePath: payload.context.page.path,
        payload: payload as unknown as StoredEvent['payload'], payloadJson: JSON.stringify(payload),
      });
      const minute = Math.floor(receivedAt / 60_000) * 60_000;
      count(minute, 'accepted', 'browser', '', 1);
      // Resends whose answers were lost, and server copies of purchases.
      if (rnd() < 0.02) count(minute, 'duplicate', 'browser', '', 1);
      if (name === 'purchase_completed') count(minute, 'duplicate', 'server', '', 1);
      if (rnd() < 0.003) count(minute, 'rejected', 'browser', rnd() < 0.7 ? 'invalid-event' : 'too-large', 1);
      stored++;
      if (batch.length === 1000) {
        await sink.insert(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) await sink.insert(batch);
  await sink.counts([...counts.values()]);
  for (const d of devices) {
    if (d.captured === 0) continue;
    const manifest: StoredManifest = {
      deviceId: d.id, at: end, receivedAt: end, lastSeq: d.seq,
      counts: { captured: d.captured, delivered: d.captured - d.lost, evicted: d.lost },
    };
    await sink.manifest(manifest);
  }
  return { start, end, stored, sessions };
}

export async function benchReports(dir: string) {
  const dbPath = join(dir, 'reports.sqlite');
  const store = createSqliteStore(dbPath);
  const t0 = performance.now();
  const { start, end, stored, sessions } = await generateReportWeek(
    { insert: (b) => store.insertBatch(b), manifest: (m) => store.insertBatch([], m), counts: (c) => store.addQualityCounts(c) },
    Math.floor(Date.now() / 3_600_000) * 3_600_000,
  );
  const generateSeconds = (performance.now() - t0) / 1000;
  store.close();

  // As the collector runs them: two worker threads, each with its own read-only connection.
  const source = await createSqliteReportWorker(dbPath, { workerUrl: new URL('../collector/reports-worker.js', import.meta.url) });
  const range = { from: start, to: end, tz: 'Europe/Berlin' };
  const reports: Record<string, () => Promise<unknown>> = {
    'events (hour, top 10)': () => eventsReport(source, { ...range, bucket: 'hour', events: null, limit: 10 }),
    'events (day, 2 named)': () => eventsReport(source, { ...range, bucket: 'day', events: ['add_to_cart', 'purchase_completed'], limit: 10 }),
    'top-events': () => topEventsReport(source, { ...range, limit: 20 }),
    sessions: () => sessionsReport(source, range),
    'attribution (first)': () => attributionReport(source, { ...range, conversion: 'purchase_completed', value: 'total_value', model: 'first' }),
    'attribution (last)': () => attributionReport(source, { ...range, conversion: 'purchase_completed', value: 'total_value', model: 'last' }),
    funnel: () => funnelReport(source, { ...range, steps: ['product_viewed', 'add_to_cart', 'checkout_started', 'purchase_completed'] }),
    quality: () => qualityReport(source, range),
    'outliers (hour, all events)': () => outliersReport(source, { ...range, bucket: 'hour', event: null, params: { ...DEFAULT_OUTLIER_PARAMS } }),
  };
  const medianMs: Record<string, number> = {};
  try {
    for (const [name, run] of Object.entries(reports)) {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      medianMs[name] = Math.round(times[Math.floor(RUNS / 2)]);
      console.error(`reports: ${name} ${medianMs[name]} ms (${times.map((x) => Math.round(x)).join(', ')})`);
    }
  } finally {
    await source.close();
  }
  const slowest = Math.max(...Object.values(medianMs));
  return {
    what: `${stored} events of ${DEVICES} devices over 7 days in SQLite (through the store), each report over the whole week in Europe/Berlin; median of ${RUNS}, through the collector's 2 report worker threads`,
    events: stored,
    sessions,
    generateSeconds: Number(generateSeconds.toFixed(1)),
    medianMs,
    slowestMs: slowest,
    budget: { reportMs: 1_000 },
  };
}

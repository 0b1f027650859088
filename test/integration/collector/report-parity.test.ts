/**
 * Every report answers the same JSON on ClickHouse as on the embedded store, for the same data.
 *
 * Two collectors (createCollector, over real HTTP on loopback) receive the same requests: one on a
 * real SQLite file, one on a real ClickHouse. They run in this process because they must share one
 * clock: the collector stamps `receivedAt` and corrects capture times with it, so two processes
 * (two wall clocks) would store different times and the latency figures could never be equal.
 *
 * The traffic: devices with sequence gaps and loss manifests, sessions with first/last-touch
 * campaigns, page views on the web and screen views from app devices (one screen named like a
 * track event, which must count as a screen only), purchases with fractional `total_value`,
 * resends in one request and across requests,
 * server copies through /v1/s2s, rejected events, flagged ones (stored: names from a library that
 * is not Homing's), latencies from milliseconds to hours, skewed device clocks, across the night
 * Europe/Berlin leaves summer time. ClickHouse then gets raw copies
 * of a third of its events, as two nodes racing on one id write them, not merged (no OPTIMIZE):
 * its answers must count each event once anyway.
 */
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyRing } from '../../../src/collector/keys.js';
import type { ReportSource } from '../../../src/collector/reports/source.js';
import { createCollector } from '../../../src/collector/server.js';
import type { ClickHouseStore } from '../../../src/collector/store/clickhouse.js';
import type { SqliteStore } from '../../../src/collector/store/sqlite.js';
import type { WireEvent } from '../../../src/shared/event.js';
import type { EventsReport, QualityReport, TopEventsReport } from '../../../src/shared/reports.js';
import { createUuidV7 } from '../../../src/shared/uuid-v7.js';
import { startBothEngines, type BothEngines } from '../../helpers/both-engines.js';
import { seededRandom as seeded } from '../../helpers/seeded-random.js';

const READ = 'read-parity-0123456789abcdef';
const S2S = 's2s-parity-0123456789abcdef';
/** Europe/Berlin goes from UTC+2 to UTC+1 at 2026-10-25T01:00Z: the range spans that night. */
const FROM = Date.UTC(2026, 9, 23, 20);
const TO = Date.UTC(2026, 9, 27, 4);
const UAS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
];
const CAMPAIGNS = [
  { source: 'news', medium: 'email', name: 'spring' },
  { source: 'google', medium: 'cpc', name: 'brand' },
  { source: 'google', medium: 'cpc', name: 'it\'s "quoted" \\ too' },
];
const NAMES = ['product_viewed', 'product_viewed', 'add_to_cart', 'search', 'purchase_completed', null] as const;
/** What an app device (every third) sends where a web device sends a page view (null above). */
const SCREENS = ['Home', 'product_viewed', 'Checkout'] as const;


interface Request {
  at: number;
  path: '/v1/batch' | '/v1/s2s';
  body: unknown;
}

/** The requests both collectors get, in order, each at its own receipt time. */
function traffic(): Request[] {
  const rand = seeded(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const mint = createUuidV7((bytes) => bytes.forEach((_, i) => (bytes[i] = Math.floor(rand() * 256))));
  const out: Request[] = [];
  for (let d = 0; d < 12; d++) {
    const device = `device-${d}`;
    const ua = UAS[d % UAS.length];
    const app = d % 3 === 1;
    // Its clock lags the collector's by up to ±90 s (device 0 is exact).
    const lag = d === 0 ? 0 : Math.round((rand() - 0.5) * 180_000);
    let seq = 0;
    let t = FROM + Math.floor(rand() * (TO - FROM - 8 * 3_600_000));
    const sessions = 2 + Math.floor(rand() * 3);
    for (let s = 0; s < sessions; s++) {
      const sessionId = `${device}-s${s}`;
      const touch = rand() < 0.6 ? pick(CAMPAIGNS) : undefined;
      const events: WireEvent[] = [];
      const n = 1 + Math.floor(rand() * 9);
      for (let i = 0; i < n; i++) {
        seq++;
        t += 1_000 + Math.floor(rand() * 600_000);
        const name = pick(NAMES);
        const later = i > 0 && rand() < 0.3 ? pick(CAMPAIGNS) : touch;
        // No draw from `rand` for the view's kind or name: the rest of the traffic stays as it was.
        const view = name !== null ? {} : app ? { type: 'screen', name: SCREENS[seq % SCREENS.length] } : { type: 'page', name: 'Home' };
        const event: WireEvent = {
          type: 'track',
          ...(name === null ? {} : { event: name }),
          ...view,
          messageId: mint(t),
          anonymousId: device,
          timestamp: new Date(t + lag).toISOString(),
          properties: name === 'purchase_completed' ? { total_value: Math.round(rand() * 20_000) / 100 } : { q: 'x' },
          context: {
            channel: app ? 'app' : 'browser',
            library: { name: 'homing', version: '1' },
            userAgent: ua,
            ...(later ? { campaign: later } : {}),
            homing: { seq, sessionId, ...(touch ? { firstTouch: touch } : {}) },
          },
        } as WireEvent;
        // Planted loss: this event never arrives (its number is the gap).
        if (rand() < 0.1) continue;
        events.push(event);
      }
      // Sent in batches of up to 4, each after a delay from milliseconds to hours.
      for (let i = 0; i < events.length; i += 4) {
        const batch = events.slice(i, i + 4);
        const last = Date.parse(batch[batch.length - 1].timestamp) - lag;
        const at = last + Math.floor(10 ** (1 + rand() * 6.5));
        const sentAt = new Date(at + lag).toISOString();
        // A resend inside the request (the same event twice) now and then.
        const sent = rand() < 0.2 ? [...batch, batch[0]] : batch;
        out.push({ at, path: '/v1/batch', body: { batch: sent, sentAt, ...(rand() < 0.3 ? { manifest: { deviceId: device, at: at + lag, counts: { captured: seq, evicted: d % 3 }, lastSeq: seq } } : {}) } });
        // The whole request again after its answer was lost.
        if (rand() < 0.25) out.push({ at: at + 5_000, path: '/v1/batch', body: { batch, sentAt: new Date(at + 5_000 + lag).toISOString() } });
        for (const e of batch) {
          // The shop's server reports the purchase too.
          if ((e as { event?: string }).event === 'purchase_completed') out.push({ at: at + 700, path: '/v1/s2s', body: { ...e, context: { ...e.context, channel: 'server' } } });
        }
      }
    }
  }
  // Rejected: a bad name from Homing's own library, something that is not an event. Flagged (stored,
  // counted by rule): a Segment-style name from another library, once plainly and once also
  // breaking the property naming (one event, one rule: the first problem found).
  const library = (name: string) => ({ library: { name, version: '1' } });
  out.push({
    at: FROM + 3_600_000,
    path: '/v1/batch',
    body: {
      batch: [
        { type: 'track', event: 'Bad Name', messageId: mint(FROM), anonymousId: 'x', timestamp: new Date(FROM).toISOString(), context: library('homing') },
        'junk',
        { type: 'track', event: 'Order Completed', messageId: mint(FROM + 1), anonymousId: 'x', timestamp: new Date(FROM + 1).toISOString(), context: library('analytics-node') },
        { type: 'track', event: 'order_completed', properties: { 'Order Id': 'o-1' }, messageId: mint(FROM + 2), anonymousId: 'x', timestamp: new Date(FROM + 2).toISOString(), context: library('analytics-node') },
      ],
    },
  });
  return out.sort((a, b) => a.at - b.at);
}

let engines: BothEngines | undefined;
let sqliteStore: SqliteStore;
let chStore: ClickHouseStore;
const sources: ReportSource[] = [];
const apps: FastifyInstance[] = [];
let clock = FROM;
const requests = traffic();
const urls: string[] = [];

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  engines = await startBothEngines('parity');
  ({ sqliteStore, chStore } = engines);
  const keys = createKeyRing([{ kind: 'read', key: READ, label: 'test' }, { kind: 's2s', key: S2S, label: 'test' }]);
  const collector = (store: SqliteStore | ClickHouseStore, reports?: ReportSource) =>
    createCollector({ store, origins: '*', keys, now: () => clock, reports });

  // Ingest through both, request by request at the same clock; the receipts must agree too.
  const ingest = [await listen(collector(sqliteStore)), await listen(collector(chStore))];
  for (const r of requests) {
    clock = r.at;
    const answers = [];
    for (const url of ingest) {
      const res = await fetch(url + r.path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(r.path === '/v1/s2s' ? { authorization: `Bearer ${S2S}` } : {}) },
        body: JSON.stringify(r.body),
      });
      answers.push([res.status, await res.json()]);
    }
    expect(answers[1], `${r.path} at ${r.at}`).toEqual(answers[0]);
  }
  // Closing the ingest apps writes their quality counters.
  for (const app of apps.splice(0)) await app.close();

  // Two nodes racing on one id both insert it: raw copies of every third event, left unmerged.
  const db = chStore.database;
  await chStore.client.command({ query: `INSERT INTO ${db}.events SELECT * FROM ${db}.events WHERE cityHash64(message_id) % 3 = 0` });

  sources.push(...engines.openSources());
  clock = TO + 3_600_000;
  urls.push(await listen(collector(sqliteStore, sources[0])), await listen(collector(chStore, sources[1])));
}, 180_000);

afterAll(async () => {
  for (const app of apps) await app.close();
  await engines?.close();
}, 60_000);

async function both(path: string): Promise<[unknown, unknown]> {
  const answers = await Promise.all(urls.map(async (url) => {
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${READ}` } });
    expect(res.status, `${path}: ${res.status}`).toBe(200);
    return res.json() as Promise<unknown>;
  }));
  return [answers[0], answers[1]];
}

const range = `from=${FROM}&to=${TO}`;
const CASES = [
  `/v1/reports/events?${range}&bucket=day&tz=Europe/Berlin`,
  `/v1/reports/events?${range}&bucket=hour&tz=Europe/Berlin&event=product_viewed,purchase_completed,never_sent`,
  `/v1/reports/events?${range}&bucket=hour&tz=America/New_York&limit=2`,
  `/v1/reports/events?from=${Date.UTC(2026, 9, 24, 23)}&to=${Date.UTC(2026, 9, 25, 3)}&bucket=minute&tz=Europe/Berlin`,
  `/v1/reports/events?${range}&bucket=day&tz=Asia/Kolkata&event=add_to_cart`,
  // Screens named product_viewed are in the totals by type, not in the series of that name.
  `/v1/reports/events?${range}&bucket=day&tz=UTC&event=product_viewed`,
  `/v1/reports/top-events?${range}`,
  `/v1/reports/top-events?${range}&limit=2`,
  `/v1/reports/sessions?${range}`,
  `/v1/reports/sessions?from=${Date.UTC(2026, 9, 25)}&to=${Date.UTC(2026, 9, 26)}`,
  `/v1/reports/funnel?${range}&steps=product_viewed,add_to_cart,purchase_completed`,
  `/v1/reports/funnel?${range}&steps=search,product_viewed`,
  `/v1/reports/quality?${range}`,
  `/v1/reports/quality?from=${Date.UTC(2026, 9, 25)}&to=${Date.UTC(2026, 9, 25, 12)}`,
  `/v1/reports/outliers?${range}&bucket=hour&tz=Europe/Berlin`,
  `/v1/reports/outliers?${range}&bucket=day&tz=Europe/Berlin&event=product_viewed&window=2`,
];

describe('ClickHouse reports match the embedded store', () => {
  it('holds unmerged copies in ClickHouse, so distinct counting is really tested', async () => {
    const [row] = await (await chStore.client.query({
      query: `SELECT count() AS raw, uniqExact(message_id) AS distinct FROM ${chStore.database}.events`, format: 'JSONEachRow',
    })).json<{ raw: string; distinct: string }>();
    expect(Number(row.distinct)).toBe(await sqliteStore.count());
    expect(Number(row.raw)).toBeGreaterThan(Number(row.distinct) * 1.2);
  });

  it.each(CASES)('%s', async (path) => {
    const [sqlite, ch] = await both(path);
    expect(ch).toEqual(sqlite);
  });

  it('attributes the same revenue, first and last touch', async () => {
    for (const model of ['first', 'last']) {
      const [sqlite, ch] = await both(`/v1/reports/attribution?${range}&model=${model}&conversion=purchase_completed&value=total_value`);
      expect(ch).toEqual(sqlite);
      // The same numbers are not empty numbers: purchases and revenue were counted.
      const rows = (sqlite as { rows: { conversions: number; revenue: number }[] }).rows;
      expect(rows.reduce((n, r) => n + r.conversions, 0)).toBeGreaterThan(3);
    }
  });

  it('answers reports with substance (the data covers what the cases compare)', async () => {
    const [quality] = await both(`/v1/reports/quality?${range}`);
    const q = quality as QualityReport;
    expect(q.duplicates.byChannel.browser).toBeGreaterThan(0);
    expect(q.duplicates.byChannel.server).toBeGreaterThan(0);
    expect(q.rejected.total).toBe(2);
    expect([q.flagged.total, q.flagged.byRule]).toEqual([2, [{ rule: 'event-name', count: 1 }, { rule: 'property-name', count: 1 }]]);
    expect(q.loss.missing).toBeGreaterThan(0);
    expect(q.loss.manifests.devices).toBeGreaterThan(0);
    const [funnel] = await both(`/v1/reports/funnel?${range}&steps=product_viewed,add_to_cart,purchase_completed`);
    const reached = (funnel as { steps: { sessions: number }[] }).steps.map((x) => x.sessions);
    expect(reached[0]).toBeGreaterThan(reached[2]);
    expect(reached[2]).toBeGreaterThan(0);
  });

  it('counts screen views by type next to page views, and never as the track event a screen is named like', async () => {
    const [events] = await both(`/v1/reports/events?${range}&bucket=day&tz=UTC&event=product_viewed`);
    const { totals, series } = events as EventsReport;
    expect(totals.byType.screen).toBeGreaterThan(0);
    expect(totals.byType.page).toBeGreaterThan(0);
    // What the file holds: screens named product_viewed exist, and the series counts the track events only.
    const db = new Database(engines!.sqlitePath, { readonly: true });
    try {
      const count = (sql: string) => db.prepare(`SELECT count(*) FROM events WHERE ts >= ${FROM} AND ts < ${TO} AND ${sql}`).pluck().get() as number;
      expect(count(`type = 'screen'`)).toBe(totals.byType.screen);
      expect(count(`type = 'screen' AND json_extract(payload, '$.name') = 'product_viewed'`)).toBeGreaterThan(0);
      expect(series[0].total).toBe(count(`type = 'track' AND event = 'product_viewed'`));
    } finally {
      db.close();
    }
    const [top] = await both(`/v1/reports/top-events?${range}&limit=50`);
    const names = (top as TopEventsReport).events.map((e) => e.event);
    expect(names).not.toContain('Home');
    expect(names).not.toContain('Checkout');
  });
});

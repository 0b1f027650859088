/**
 * The report queries on ClickHouse: `ReportSource` (reports/source.ts) with the answers of the
 * embedded store (./sqlite-reports.ts is the reference, query by query) on the same data.
 *
 * Exactly once: the events table dedups when parts merge, so every query reads it through FINAL,
 * which collapses the copies of a messageId at read time to the copy the merges keep (so an answer
 * does not change when a merge runs). Measured on 18.16 with 1.1M rows holding 100k unmerged
 * copies, count by name: FINAL 0.12 s, GROUP BY message_id 0.28-0.32 s, LIMIT 1 BY message_id
 * 0.36 s, uniqExact(message_id) 0.15-0.17 s (and uniqExact cannot feed a per-session grouping).
 *
 * Figures inside the payload (revenue, first touch, user agent) are read for the rows that need
 * them only, and extracted in ./clickhouse-reports-json.ts: 18.16 has no path-aware JSON functions.
 * Values from the request are inlined through `sqlString` / `sqlInt` (18.16 has no query parameters).
 */
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import type {
  AttributionRow, BucketCountRow, CounterRow, DeviceRow, ReportSource, SessionSizes, TimeRange, TopEventRow,
} from '../reports/source.js';
import { createSum, parsePayload, pathValue, sqliteJsonValue } from './clickhouse-reports-json.js';
import { bucketKeySql, offsetSql, roundedSql } from './clickhouse-reports-sql.js';
import { sqlInt, sqlString, sqlStringList, sqlStringSet } from './clickhouse-rows.js';
import type { ClickHouseTarget } from './clickhouse-url.js';
import type { LossCounts } from './store.js';
import { COLLECTOR_DEFAULTS } from '../../shared/config.js';

/** Inlined id sets (devices) can be long; the default 256 KiB query limit is too small. */
const SETTINGS = { max_query_size: String(64 * 1024 * 1024) } as const;
/** Larger than any capture time: "never reached" in the funnel. */
const NEVER = '9223372036854775807';

type Touch = [source: string | number | null, medium: string | number | null, campaign: string | number | null];

export interface ClickHouseReportSourceDeps {
  client: ClickHouseClient;
  database: string;
  /** Whether `close()` closes the client (true when the source opened it). */
  ownsClient?: boolean;
}

/** Opens a client of its own (reads never queue behind the store's inserts) for `target`. */
export function openClickHouseReportSource(target: ClickHouseTarget): ReportSource {
  const client = createClient({
    url: target.url,
    username: target.username,
    password: target.password,
    request_timeout: COLLECTOR_DEFAULTS.clickhouseReportTimeoutMs,
    log: { level: ClickHouseLogLevel.OFF },
  });
  return createClickHouseReportSource({ client, database: target.database, ownsClient: true });
}

export function createClickHouseReportSource(deps: ClickHouseReportSourceDeps): ReportSource {
  const { client, database: db } = deps;

  async function select<T>(query: string): Promise<T[]> {
    return (await client.query({ query, format: 'JSONEachRow', clickhouse_settings: SETTINGS })).json<T>();
  }
  /** The range's events, each messageId once. */
  const events = (r: TimeRange, columns: string, where = '') =>
    `(SELECT ${columns} FROM ${db}.events FINAL WHERE ts >= ${sqlInt(r.from)} AND ts < ${sqlInt(r.to)}${where ? ` AND ${where}` : ''})`;
  const num = (v: string | number) => Number(v);
  const numOrNull = (v: string | number | null) => (v === null ? null : Number(v));

  /** Payloads by id, for the few rows whose figures live inside them. */
  async function payloads(ids: readonly string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    if (ids.length === 0) return out;
    const rows = await select<{ message_id: string; payload: string }>(
      `SELECT message_id, any(payload) AS payload FROM ${db}.events WHERE message_id IN ${sqlStringSet(ids)} GROUP BY message_id`,
    );
    for (const r of rows) out.set(r.message_id, parsePayload(r.payload));
    return out;
  }

  return {
    async eventCounts(r, bucketing, names) {
      const offset = offsetSql(bucketing);
      const key = bucketKeySql(bucketing, 'off');
      const named = names !== null;
      const where = named ? `type = 'track' AND event IN ${sqlStringList(names)}` : '';
      const rows = await select<{ off: string; key: string; event: string | null; n: string }>(
        `SELECT ${offset} AS off, ${key} AS key, ${named ? 'event' : 'NULL'} AS event, count() AS n
         FROM ${events(r, 'ts, event', where)} GROUP BY off, key${named ? ', event' : ''}`,
      );
      return rows.map((x): BucketCountRow => ({ offset: num(x.off), key: num(x.key), event: x.event, count: num(x.n) }));
    },

    async typeCounts(r) {
      // Only track events carry a name: a named event counts as track, the others by their type.
      const rows = await select<{ t: string; n: string }>(
        `SELECT if(isNull(event), type, 'track') AS t, count() AS n FROM ${events(r, 'type, event')} GROUP BY t ORDER BY t`,
      );
      return Object.fromEntries(rows.map((x) => [x.t, num(x.n)]));
    },

    async topEvents(r, limit) {
      const rows = await select<{ event: string; n: string; devices: string }>(
        `SELECT assumeNotNull(event) AS event, count() AS n, uniqExact(anonymous_id) AS devices
         FROM ${events(r, 'event, anonymous_id', "type = 'track' AND isNotNull(event)")} GROUP BY event`,
      );
      // Ties by name in JavaScript's order, as the embedded store sorts them.
      return rows
        .map((x): TopEventRow => ({ event: x.event, count: num(x.n), devices: num(x.devices) }))
        .sort((a, b) => b.count - a.count || (a.event < b.event ? -1 : 1))
        .slice(0, limit);
    },

    async sessionSizes(r): Promise<SessionSizes> {
      const [totals, sizes] = await Promise.all([
        select<{ events: string; devices: string }>(
          `SELECT count() AS events, uniqExact(anonymous_id) AS devices FROM ${events(r, 'anonymous_id')}`,
        ),
        select<{ size: string; sessions: string }>(
          `SELECT size, count() AS sessions FROM (SELECT count() AS size FROM ${events(r, 'session_id', 'isNotNull(session_id)')} GROUP BY session_id)
           GROUP BY size ORDER BY size`,
        ),
      ]);
      const s = sizes.map((x): [number, number] => [num(x.size), num(x.sessions)]);
      return { events: num(totals[0].events), sessions: s.reduce((n, [, c]) => n + c, 0), devices: num(totals[0].devices), sizes: s };
    },

    async attribution(r, q) {
      const rows = new Map<string, { row: AttributionRow; revenue: ReturnType<typeof createSum> }>();
      const row = (touch: Touch) => {
        const key = JSON.stringify(touch);
        let x = rows.get(key);
        if (!x) {
          const [source, medium, campaign] = touch as [string | null, string | null, string | null];
          rows.set(key, (x = { row: { source, medium, campaign, sessions: 0, conversions: 0, revenue: 0 }, revenue: createSum() }));
        }
        return x;
      };
      type SessionRow = { s: string | null; m: string | null; c: string | null; n: string };
      // A session's first touch is the campaign on its first event; last touch counts a session
      // once for every campaign seen on its events.
      const sessions = await select<SessionRow>(
        q.model === 'first'
          ? `SELECT t.1 AS s, t.2 AS m, t.3 AS c, count() AS n FROM (
               SELECT argMin(tuple(utm_source, utm_medium, utm_campaign), ts) AS t
               FROM ${events(r, 'session_id, ts, utm_source, utm_medium, utm_campaign', 'isNotNull(session_id)')} GROUP BY session_id)
             GROUP BY s, m, c`
          : `SELECT utm_source AS s, utm_medium AS m, utm_campaign AS c, uniqExact(session_id) AS n
             FROM ${events(r, 'session_id, utm_source, utm_medium, utm_campaign', 'isNotNull(session_id)')} GROUP BY s, m, c`,
      );
      for (const x of sessions) row([x.s, x.m, x.c]).row.sessions += num(x.n);

      const conversions = await select<{ message_id: string; s: string | null; m: string | null; c: string | null }>(
        `SELECT message_id, utm_source AS s, utm_medium AS m, utm_campaign AS c
         FROM ${events(r, 'message_id, type, event, utm_source, utm_medium, utm_campaign', `type = 'track' AND event = ${sqlString(q.conversion)}`)}`,
      );
      const docs = await payloads(conversions.map((x) => x.message_id));
      const first = ['context', 'homing', 'firstTouch'];
      for (const x of conversions) {
        const doc = docs.get(x.message_id);
        const touch: Touch = q.model === 'first'
          ? [sqliteJsonValue(pathValue(doc, [...first, 'source'])), sqliteJsonValue(pathValue(doc, [...first, 'medium'])), sqliteJsonValue(pathValue(doc, [...first, 'name']))]
          : [x.s, x.m, x.c];
        const target = row(touch);
        target.row.conversions++;
        const value = pathValue(doc, ['properties', q.value]);
        if (typeof value === 'number') target.revenue.add(value);
      }
      // Campaigns that brought sessions but no conversion stay: their zero is the figure.
      return [...rows.values()].map(({ row: x, revenue }) => ({ ...x, revenue: revenue.value() }));
    },

    async funnel(r, steps) {
      if (steps.length === 0) return [];
      // Per session, the capture times of each step's events; step n is reached at the first
      // time of its name at or after step n−1's (reports/funnel.ts `countFunnel`).
      const arrays = steps.map((s, i) => `groupArrayIf(ts, assumeNotNull(event) = ${sqlString(s)}) AS a${i}`).join(', ');
      const reached: string[] = [];
      for (let i = 0; i < steps.length; i++) {
        const from = i === 0 ? `a0` : `arrayFilter(x -> x >= t${i - 1}, a${i})`;
        reached.push(`${from} AS f${i}`, `if(empty(f${i}), toInt64(${NEVER}), arrayReduce('min', f${i})) AS t${i}`);
      }
      const counts = steps.map((_, i) => `countIf(t${i} < ${NEVER}) AS c${i}`).join(', ');
      const where = `type = 'track' AND isNotNull(session_id) AND event IN ${sqlStringList(steps)}`;
      const [row] = await select<Record<string, string>>(
        `SELECT ${counts} FROM (SELECT ${reached.join(', ')} FROM (
           SELECT ${arrays} FROM ${events(r, 'session_id, event, ts', where)} GROUP BY session_id))`,
      );
      return steps.map((_, i) => num(row[`c${i}`]));
    },

    async counters(r) {
      // Every node appends its own counts; sum(n) adds them whether merged yet or not.
      const rows = await select<{ kind: string; channel: string; code: string; count: string }>(
        `SELECT kind, channel, code, sum(n) AS count FROM ${db}.quality_counts
         WHERE minute >= ${sqlInt(r.from)} AND minute < ${sqlInt(r.to)} GROUP BY kind, channel, code ORDER BY kind, channel, code`,
      );
      return rows.map((x): CounterRow => ({ kind: x.kind, channel: x.channel, code: x.code, count: num(x.count) }));
    },

    async deliveries(r) {
      type Device = { id: string; min_seq: string | null; max_seq: string | null; seqs: string; skew: string | null; ua_id: string };
      type DelayRow = { lr: string; sr: string | null; n: string; lmax: string; smax: string | null; smin: string | null };
      const [deviceRows, delayRows] = await Promise.all([
        // The user agent comes from the device's earliest browser event (a server copy carries the server's).
        select<Device>(
          `SELECT assumeNotNull(anonymous_id) AS id, min(seq) AS min_seq, max(seq) AS max_seq, count(seq) AS seqs,
                  min(abs(received_at - sent_at)) AS skew,
                  argMin(message_id, tuple(if(ifNull(channel, '') = 'browser', 0, 1), received_at, message_id)) AS ua_id
           FROM ${events(r, 'message_id, anonymous_id, seq, received_at, sent_at, channel', 'isNotNull(anonymous_id)')} GROUP BY id`,
        ),
        // Latency and skew in one grouping, as the embedded store does.
        select<DelayRow>(
          `SELECT lr, sr, count() AS n, max(l) AS lmax, max(s) AS smax, min(s) AS smin FROM (
             SELECT l, s, ${roundedSql('l')} AS lr, ${roundedSql('s')} AS sr FROM (
               SELECT received_at - ts AS l, received_at - sent_at AS s FROM ${events(r, 'ts, received_at, sent_at')}))
           GROUP BY lr, sr`,
        ),
      ]);
      deviceRows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const found = new Map<string, DeviceRow>();
      const docs = await payloads(deviceRows.map((d) => d.ua_id));
      for (const d of deviceRows) {
        const ua = pathValue(docs.get(d.ua_id), ['context', 'userAgent']);
        found.set(d.id, {
          deviceId: d.id, minSeq: numOrNull(d.min_seq), maxSeq: numOrNull(d.max_seq), seqs: num(d.seqs),
          userAgent: typeof ua === 'string' ? ua : null, minAbsSkew: numOrNull(d.skew), manifest: null,
        });
      }
      if (found.size > 0) {
        // The newest manifest per device, as the store's getManifest reads it.
        const manifests = await select<{ device_id: string; counts: string }>(
          `SELECT device_id, counts FROM ${db}.loss_manifests WHERE device_id IN ${sqlStringSet([...found.keys()])}
           ORDER BY device_id, at DESC, received_at DESC LIMIT 1 BY device_id`,
        );
        for (const m of manifests) found.get(m.device_id)!.manifest = JSON.parse(m.counts) as LossCounts;
      }

      const latency = new Map<number, number>();
      const skew = new Map<number, number>();
      let latencyMax: number | null = null;
      let skewMax: number | null = null;
      for (const x of delayRows) {
        const n = num(x.n);
        const lr = num(x.lr);
        latency.set(lr, (latency.get(lr) ?? 0) + n);
        if (latencyMax === null || num(x.lmax) > latencyMax) latencyMax = num(x.lmax);
        if (x.sr === null) continue;
        const sr = num(x.sr);
        skew.set(sr, (skew.get(sr) ?? 0) + n);
        for (const v of [num(x.smax!), num(x.smin!)]) if (skewMax === null || Math.abs(v) > Math.abs(skewMax)) skewMax = v;
      }
      return { devices: [...found.values()], delays: { latency: [...latency], skew: [...skew], latencyMax, skewMax } };
    },

    async close() {
      if (deps.ownsClient) await client.close();
    },
  };
}

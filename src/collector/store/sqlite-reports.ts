/**
 * The report queries of the embedded store: `ReportSource` (reports/source.ts) over a SQLite file,
 * through its own read-only connection. WAL lets it read a consistent snapshot while the writer
 * commits, so reports never hold up ingest; the collector runs it on worker threads of its own
 * (./reports-worker.ts) so a long query does not hold up the HTTP thread either.
 *
 * Every query reads one of two covering indexes (migration v4 in ./sqlite.ts), never the payloads
 * of a whole range: the user agent, first touch and revenue inside the payload are read for one
 * row per device, or for the conversions only. Counts per bucket are index range counts; groupings
 * by device or session sort the range's index entries.
 */
import Database from 'better-sqlite3';
import type {
  AttributionQuery, AttributionRow, BucketCountRow, Bucketing, CounterRow, Delays, DeviceRow, ReportSource, SessionSizes, TimeRange, TopEventRow,
} from '../reports/source.js';
import { bucketIntervals } from '../reports/buckets.js';
import { DELAY_DIGITS, roundSignificant as roundTo } from '../reports/stats.js';
import type { LossCounts } from './store.js';

/** stats.ts `roundSignificant`: the rounding every engine applies to delays. */
const roundSignificant = (v: number) => roundTo(v, DELAY_DIGITS);

export interface SqliteReportSource extends ReportSource {
  eventCounts(range: TimeRange, bucketing: Bucketing, events: readonly string[] | null): BucketCountRow[];
  typeCounts(range: TimeRange): Record<string, number>;
  topEvents(range: TimeRange, limit: number): TopEventRow[];
  sessionSizes(range: TimeRange): SessionSizes;
  attribution(range: TimeRange, query: AttributionQuery): AttributionRow[];
  funnel(range: TimeRange, steps: readonly string[]): number[];
  counters(range: TimeRange): CounterRow[];
  deliveries(range: TimeRange): { devices: DeviceRow[]; delays: Delays };
  close(): void;
}

type Touch = [source: string | null, medium: string | null, campaign: string | null];

/** Opens `path` read-only (it must exist: the collector's store creates and migrates it). */
export function openSqliteReportSource(path: string): SqliteReportSource {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // Reads through the OS page cache without copying into SQLite's, and sorts in memory.
  db.pragma('mmap_size = 1073741824');
  db.pragma('temp_store = MEMORY');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version < 4) {
    db.close();
    throw new Error(`${path} has schema version ${version}; reports need 4 or later (start the collector on it once to upgrade it)`);
  }
  const RANGE = 'ts >= @from AND ts < @to';

  const countAll = db.prepare(`SELECT count(*) FROM events WHERE ${RANGE}`).pluck();
  const countNamed = db.prepare(`SELECT count(*) FROM events WHERE event = @event AND type = 'track' AND ${RANGE}`).pluck();
  // Track events need a name (the schema says so); the others are counted by type among the
  // unnamed. (An event of another type that carries a name anyway is counted as track.)
  const unnamedTypes = db.prepare(`SELECT type, count(*) FROM events WHERE event IS NULL AND ${RANGE} GROUP BY type`).raw();
  // Every distinct name by hopping through the index (one seek per name, not one step per row).
  const names = db.prepare(
    `WITH RECURSIVE n(e) AS (
       SELECT min(event) FROM events WHERE event IS NOT NULL
       UNION ALL SELECT (SELECT min(event) FROM events WHERE event > n.e) FROM n WHERE n.e IS NOT NULL)
     SELECT e FROM n WHERE e IS NOT NULL`,
  ).pluck();
  const devicesNamed = db.prepare(
    `SELECT event, count(*) FROM (SELECT DISTINCT event, anonymous_id FROM events
       WHERE ${RANGE} AND type = 'track' AND event IN (SELECT value FROM json_each(@events)) AND anonymous_id IS NOT NULL)
     GROUP BY event`,
  ).raw();
  const sizes = db.prepare(
    `SELECT n, count(*) FROM (SELECT count(*) AS n FROM events WHERE ${RANGE} AND session_id IS NOT NULL GROUP BY session_id) GROUP BY n`,
  ).raw();
  const devicesCount = db.prepare(`SELECT count(DISTINCT anonymous_id) FROM events WHERE ${RANGE}`).pluck();
  const revenue = `CASE WHEN json_type(payload, @path) IN ('integer', 'real') THEN json_extract(payload, @path) END`;
  const lastTouchConversions = db.prepare(
    `SELECT utm_source, utm_medium, utm_campaign, count(*), total(${revenue}) FROM events
     WHERE event = @conversion AND type = 'track' AND ${RANGE} GROUP BY 1, 2, 3`,
  ).raw();
  // Sessions per campaign seen on their events.
  const lastTouchSessions = db.prepare(
    `SELECT DISTINCT session_id, utm_source, utm_medium, utm_campaign FROM events WHERE ${RANGE} AND session_id IS NOT NULL`,
  ).raw();
  const FIRST = `json_extract(payload, '$.context.homing.firstTouch.source'), json_extract(payload, '$.context.homing.firstTouch.medium'),
     json_extract(payload, '$.context.homing.firstTouch.name')`;
  const firstTouchConversions = db.prepare(
    `SELECT ${FIRST}, count(*), total(${revenue}) FROM events WHERE event = @conversion AND type = 'track' AND ${RANGE} GROUP BY 1, 2, 3`,
  ).raw();
  // A session's first touch is the campaign on its first event (Homing's worker starts the session
  // with it), read from the index: SQLite fills bare columns from the row that gave min(ts).
  const firstTouchSessions = db.prepare(
    `SELECT utm_source, utm_medium, utm_campaign, min(ts) FROM events WHERE ${RANGE} AND session_id IS NOT NULL GROUP BY session_id`,
  ).raw();
  const counters = db.prepare(
    'SELECT kind, channel, code, sum(n) AS count FROM quality_counts WHERE minute >= @from AND minute < @to GROUP BY kind, channel, code',
  );
  // One pass for the per-device figures and both delay counts: grouping in SQL sorts the range
  // once per figure, which took about twice as long as streaming its rows once (bench/reports.ts).
  const deliveryRows = db.prepare(
    `SELECT anonymous_id, seq, received_at - ts, received_at - sent_at, rowid FROM events WHERE ${RANGE}`,
  ).raw();
  const userAgent = db.prepare(`SELECT json_extract(payload, '$.context.userAgent') FROM events WHERE rowid = ?`).pluck();
  const manifests = db.prepare('SELECT device_id, counts FROM loss_manifests WHERE device_id IN (SELECT value FROM json_each(?))').raw();
  const funnels = new Map<number, Database.Statement>();

  const range = (r: TimeRange) => ({ from: r.from, to: r.to });

  /**
   * The funnel definition (reports/funnel.ts) as a chain: each step keeps, per session, the first
   * time it was reached, and the next step looks only at that session's later events.
   */
  function funnelStatement(n: number): Database.Statement {
    let st = funnels.get(n);
    if (st) return st;
    const ctes = ['s0 AS (SELECT session_id AS s, min(ts) AS t FROM events WHERE event = @e0 AND type = \'track\' AND ' + RANGE +
      ' AND session_id IS NOT NULL GROUP BY session_id)'];
    for (let i = 1; i < n; i++) {
      ctes.push(`s${i} AS (SELECT e.session_id AS s, min(e.ts) AS t FROM events e JOIN s${i - 1} p ON e.session_id = p.s
        WHERE e.event = @e${i} AND e.type = 'track' AND e.ts >= p.t AND e.ts < @to GROUP BY e.session_id)`);
    }
    const counts = Array.from({ length: n }, (_, i) => `(SELECT count(*) FROM s${i})`).join(', ');
    st = db.prepare(`WITH ${ctes.join(',\n')} SELECT ${counts}`).raw();
    funnels.set(n, st);
    return st;
  }

  return {
    eventCounts(r, bucketing, events) {
      const out: BucketCountRow[] = [];
      for (const b of bucketIntervals(r, bucketing)) {
        if (events === null) {
          const count = countAll.get(b) as number;
          if (count > 0) out.push({ offset: b.offset, key: b.key, event: null, count });
          continue;
        }
        for (const event of events) {
          const count = countNamed.get({ from: b.from, to: b.to, event }) as number;
          if (count > 0) out.push({ offset: b.offset, key: b.key, event, count });
        }
      }
      return out;
    },
    typeCounts(r) {
      const total = countAll.get(range(r)) as number;
      const byType: Record<string, number> = {};
      let unnamed = 0;
      for (const [type, n] of unnamedTypes.all(range(r)) as [string, number][]) {
        byType[type] = n;
        unnamed += n;
      }
      if (total > unnamed) byType.track = (byType.track ?? 0) + total - unnamed;
      return byType;
    },
    topEvents(r, limit) {
      const top = (names.all() as string[])
        .map((event) => ({ event, count: countNamed.get({ ...range(r), event }) as number, devices: 0 }))
        .filter((e) => e.count > 0)
        .sort((a, b) => b.count - a.count || (a.event < b.event ? -1 : 1))
        .slice(0, limit);
      const params = { ...range(r), events: JSON.stringify(top.map((e) => e.event)) };
      const devices = new Map(devicesNamed.all(params) as [string, number][]);
      for (const e of top) e.devices = devices.get(e.event) ?? 0;
      return top;
    },
    sessionSizes(r) {
      const s = sizes.all(range(r)) as [number, number][];
      return {
        events: countAll.get(range(r)) as number,
        sessions: s.reduce((n, [, c]) => n + c, 0),
        devices: devicesCount.get(range(r)) as number,
        sizes: s,
      };
    },
    attribution(r, q) {
      const params = { ...range(r), conversion: q.conversion, path: `$.properties.${q.value}` };
      const rows = new Map<string, AttributionRow>();
      const row = ([source, medium, campaign]: Touch) => {
        const key = JSON.stringify([source, medium, campaign]);
        let x = rows.get(key);
        if (!x) rows.set(key, (x = { source, medium, campaign, sessions: 0, conversions: 0, revenue: 0 }));
        return x;
      };
      if (q.model === 'first') {
        for (const [s, m, c] of firstTouchSessions.all(range(r)) as [...Touch, number][]) row([s, m, c]).sessions++;
      } else {
        for (const [, s, m, c] of lastTouchSessions.all(range(r)) as [string, ...Touch][]) row([s, m, c]).sessions++;
      }
      for (const [s, m, c, n, v] of (q.model === 'first' ? firstTouchConversions : lastTouchConversions).all(params) as [...Touch, number, number][]) {
        const x = row([s, m, c]);
        x.conversions += n;
        x.revenue += v;
      }
      // Campaigns that brought sessions but no conversion stay: their zero is the figure.
      return [...rows.values()];
    },
    funnel(r, steps) {
      const params: Record<string, unknown> = range(r);
      steps.forEach((s, i) => (params[`e${i}`] = s));
      return funnelStatement(steps.length).get(params) as number[];
    },
    counters(r) {
      return counters.all(range(r)) as CounterRow[];
    },
    deliveries(r) {
      const devices = new Map<string, { row: DeviceRow; firstRow: number }>();
      const latency = new Map<number, number>();
      const skew = new Map<number, number>();
      let latencyMax: number | null = null;
      let skewMax: number | null = null;
      for (const [device, seq, lat, sk, rowid] of deliveryRows.iterate(range(r)) as IterableIterator<
        [string | null, number | null, number, number | null, number]
      >) {
        const l = roundSignificant(lat);
        latency.set(l, (latency.get(l) ?? 0) + 1);
        if (latencyMax === null || lat > latencyMax) latencyMax = lat;
        if (sk !== null) {
          const s = roundSignificant(sk);
          skew.set(s, (skew.get(s) ?? 0) + 1);
          if (skewMax === null || Math.abs(sk) > Math.abs(skewMax)) skewMax = sk;
        }
        if (device === null) continue;
        let a = devices.get(device);
        if (!a) {
          a = { row: { deviceId: device, minSeq: null, maxSeq: null, seqs: 0, userAgent: null, minAbsSkew: null, manifest: null }, firstRow: rowid };
          devices.set(device, a);
        }
        const d = a.row;
        if (seq !== null) {
          if (d.minSeq === null || seq < d.minSeq) d.minSeq = seq;
          if (d.maxSeq === null || seq > d.maxSeq) d.maxSeq = seq;
          d.seqs++;
        }
        if (sk !== null && (d.minAbsSkew === null || Math.abs(sk) < d.minAbsSkew)) d.minAbsSkew = Math.abs(sk);
      }
      // The user agent of the device's first event in the range: one payload read per device.
      for (const a of devices.values()) {
        const ua = userAgent.get(a.firstRow);
        a.row.userAgent = typeof ua === 'string' ? ua : null;
      }
      for (const [id, counts] of manifests.all(JSON.stringify([...devices.keys()])) as [string, string][]) {
        devices.get(id)!.row.manifest = JSON.parse(counts) as LossCounts;
      }
      return { devices: [...devices.values()].map((a) => a.row), delays: { latency: [...latency], skew: [...skew], latencyMax, skewMax } };
    },
    close() {
      if (db.open) db.close();
    },
  };
}

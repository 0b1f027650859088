/**
 * Reports on 1,000,000 events in ClickHouse: the same generated week as the SQLite report bench
 * (bench/reports.ts `generateReportWeek`), stored through the ClickHouse store (group commit), then
 * 10 % of the events written again as raw copies, unmerged, as two collector nodes racing on one id
 * write them, so the reads' dedup (FINAL) has work to do. Every report is timed (median of 5)
 * through the report source the collector uses (store/clickhouse-reports.ts).
 *
 * Also times the two ways to count each messageId once, on this table: FINAL, and GROUP BY
 * message_id (the measured reason the report source reads through FINAL).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import {
  attributionReport, eventsReport, funnelReport, outliersReport, qualityReport, sessionsReport, topEventsReport,
} from '../src/collector/reports/answers.js';
import { DEFAULT_OUTLIER_PARAMS } from '../src/collector/reports/outliers.js';
import { createClickHouseStore } from '../src/collector/store/clickhouse.js';
import { createClickHouseReportSource } from '../src/collector/store/clickhouse-reports.js';
import { parseClickHouseUrl } from '../src/collector/store/clickhouse-url.js';
import { startClickHouse, type ClickHouseServer } from '../test/helpers/clickhouse.js';
import { generateReportWeek } from './reports.js';

const RUNS = 5;
/** Group-commit submissions in flight while loading: the store gathers them into large INSERTs. */
const IN_FLIGHT = 40;

async function median(run: () => Promise<unknown>): Promise<{ ms: number; runs: number[] }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await run();
    times.push(Math.round(performance.now() - t));
  }
  return { ms: [...times].sort((a, b) => a - b)[Math.floor(RUNS / 2)], runs: times };
}

async function one<T>(client: ClickHouseClient, query: string): Promise<T> {
  return (await (await client.query({ query, format: 'JSONEachRow' })).json<T>())[0];
}

export async function benchClickHouseReports() {
  let server: ClickHouseServer | undefined;
  try {
    server = await startClickHouse();
    const store = await createClickHouseStore(parseClickHouseUrl(server.dbUrl('reports_bench')));
    const db = store.database;
    const t0 = performance.now();
    const pending = new Set<Promise<unknown>>();
    const submit = async (value: unknown) => {
      const p = Promise.resolve(value);
      pending.add(p);
      void p.finally(() => pending.delete(p));
      while (pending.size >= IN_FLIGHT) await Promise.race(pending);
    };
    const week = await generateReportWeek(
      {
        insert: (batch) => submit(store.insertBatch(batch)),
        manifest: (m) => submit(store.insertBatch([], m)),
        counts: (c) => submit(store.addQualityCounts!(c)),
      },
      Math.floor(Date.now() / 3_600_000) * 3_600_000,
    );
    await Promise.all(pending);
    const loadSeconds = (performance.now() - t0) / 1000;

    await store.client.command({ query: `INSERT INTO ${db}.events SELECT * FROM ${db}.events WHERE cityHash64(message_id) % 10 = 0` });
    const rows = await one<{ raw: string; distinct: string }>(store.client, `SELECT count() AS raw, uniqExact(message_id) AS distinct FROM ${db}.events`);
    const version = (await one<{ v: string }>(store.client, 'SELECT version() AS v')).v;

    const range = { from: week.start, to: week.end };
    const where = `ts >= ${range.from} AND ts < ${range.to} AND type = 'track'`;
    const dedup = {
      final: await median(() => store.client.query({ query: `SELECT event, count() FROM ${db}.events FINAL WHERE ${where} GROUP BY event`, format: 'JSONEachRow' }).then((r) => r.json())),
      groupByMessageId: await median(() => store.client.query({
        query: `SELECT event, count() FROM (SELECT any(event) AS event FROM ${db}.events WHERE ${where} GROUP BY message_id) GROUP BY event`, format: 'JSONEachRow',
      }).then((r) => r.json())),
    };

    const source = createClickHouseReportSource({ client: store.client, database: db });
    const q = { ...range, tz: 'Europe/Berlin' };
    const reports: Record<string, () => Promise<unknown>> = {
      'events (hour, top 10)': () => eventsReport(source, { ...q, bucket: 'hour', events: null, limit: 10 }),
      'events (day, 2 named)': () => eventsReport(source, { ...q, bucket: 'day', events: ['add_to_cart', 'purchase_completed'], limit: 10 }),
      'top-events': () => topEventsReport(source, { ...q, limit: 20 }),
      sessions: () => sessionsReport(source, q),
      'attribution (first)': () => attributionReport(source, { ...q, conversion: 'purchase_completed', value: 'total_value', model: 'first' }),
      'attribution (last)': () => attributionReport(source, { ...q, conversion: 'purchase_completed', value: 'total_value', model: 'last' }),
      funnel: () => funnelReport(source, { ...q, steps: ['product_viewed', 'add_to_cart', 'checkout_started', 'purchase_completed'] }),
      quality: () => qualityReport(source, q),
      'outliers (hour, all events)': () => outliersReport(source, { ...q, bucket: 'hour', event: null, params: { ...DEFAULT_OUTLIER_PARAMS } }),
    };
    const medianMs: Record<string, number> = {};
    for (const [name, run] of Object.entries(reports)) {
      const m = await median(run);
      medianMs[name] = m.ms;
      console.error(`clickhouse reports: ${name} ${m.ms} ms (${m.runs.join(', ')})`);
    }
    await source.close();
    await store.close();
    return {
      what:
        `${week.stored} events of the SQLite report bench's week, stored in ClickHouse ${version} through the store (group commit), ` +
        `then ${Number(rows.raw) - Number(rows.distinct)} raw unmerged copies; each report over the whole week in Europe/Berlin, median of ${RUNS}`,
      events: Number(rows.distinct),
      rawRows: Number(rows.raw),
      loadSeconds: Number(loadSeconds.toFixed(1)),
      medianMs,
      slowestMs: Math.max(...Object.values(medianMs)),
      dedupCountByNameMs: { final: dedup.final.ms, groupByMessageId: dedup.groupByMessageId.ms },
      budget: { reportMs: 1_000 },
    };
  } finally {
    await server?.stop();
  }
}

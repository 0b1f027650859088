/**
 * ClickHouse ingest through the collector: autocannon (the same load as bench/collector-load.ts:
 * POST /v1/batch, 100 new UUIDv7 events per request, many keep-alive clients) against 1, 2 and 3
 * collector processes on one ClickHouse server, and against the embedded SQLite store under the
 * same load, next to each other. All of it shares this machine's cores (ClickHouse, the
 * collectors, the load generator), so the figure to read is where adding a collector stops adding
 * events/s: that is one ClickHouse node saturated here (or the machine).
 *
 * Every run starts on a fresh database so every event is new, and afterwards the distinct stored
 * count must equal what was sent, or the figure would count work that was not done.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { createClient } from '@clickhouse/client';
import { startClickHouse, type ClickHouseServer } from '../test/helpers/clickhouse.js';
import { freePort } from '../test/helpers/ports.js';
import { batchPosts, makeLoadBodies } from './collector-load.js';
import { startProcess, type Started } from './process.js';

const PER_BATCH = 100;
/** 6,000 × 100 = 600,000 events per run. */
const REQUESTS = 6_000;
const WARMUP_REQUESTS = 300;
/**
 * Clients, split evenly over the nodes. A closed-loop client sends its next batch only after the
 * answer, so in-flight events are at most CONNECTIONS × 100: with group commit every 50 ms that
 * caps a run at CONNECTIONS × 100 / 0.05 s. A collector serves thousands of browsers; 96 is enough
 * for that cap (192k/s) to stay above what this machine ingests.
 */
const CONNECTIONS = 96;
const NODE_COUNTS = [1, 2, 3];

interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  eventsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** Sends every body once, spread over the nodes, each node with its share of the connections. */
async function load(ports: number[], bodies: Buffer[]): Promise<LoadResult> {
  let next = 0;
  let lastAnswer = 0;
  const started = performance.now();
  const share = Math.floor(bodies.length / ports.length);
  const runs = await Promise.all(
    ports.map((port, i) =>
      autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: Math.floor(CONNECTIONS / ports.length),
        amount: i === ports.length - 1 ? bodies.length - share * i : share,
        ...batchPosts(() => bodies[next++ % bodies.length], () => (lastAnswer = performance.now())),
      }),
    ),
  );
  const seconds = (lastAnswer - started) / 1000;
  const ok = runs.reduce((n, r) => n + r['2xx'], 0);
  return {
    requests: runs.reduce((n, r) => n + r.requests.total, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
    seconds: Number(seconds.toFixed(3)),
    eventsPerSecond: Math.round((ok * PER_BATCH) / seconds),
    latencyP50Ms: Math.max(...runs.map((r) => r.latency.p50)),
    latencyP99Ms: Math.max(...runs.map((r) => r.latency.p99)),
  };
}

/** CPU seconds (user + system) of any process by PID (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function runNodes(
  dbArg: string, nodeCount: number, warmup: Buffer[], bodies: Buffer[], started: Started[], clickhousePid: number | null,
) {
  const ports: number[] = [];
  const procs: Started[] = [];
  try {
    for (let i = 0; i < nodeCount; i++) {
      const port = await freePort();
      const proc = await startProcess(['dist/collector/cli.js', '--port', String(port), '--db', dbArg, '--log-level', 'warn']);
      started.push(proc);
      procs.push(proc);
      ports.push(port);
    }
    await load(ports, warmup);
    const collectorCpu0 = procs.reduce((n, p) => n + p.cpuSeconds(), 0);
    const clickhouseCpu0 = clickhousePid === null ? 0 : cpuSeconds(clickhousePid);
    const run = await load(ports, bodies);
    const collectorCpu = procs.reduce((n, p) => n + p.cpuSeconds(), 0) - collectorCpu0;
    const clickhouseCpu = clickhousePid === null ? 0 : cpuSeconds(clickhousePid) - clickhouseCpu0;
    return {
      collectors: nodeCount,
      ...run,
      // Cores busy on average during the run: collectors together, and the ClickHouse server.
      collectorCores: Number((collectorCpu / run.seconds).toFixed(2)),
      clickhouseCores: Number((clickhouseCpu / run.seconds).toFixed(2)),
      collectorCpuMicrosecondsPerEvent: Number(((collectorCpu * 1e6) / (run.requests * PER_BATCH)).toFixed(2)),
      clickhouseCpuMicrosecondsPerEvent: Number(((clickhouseCpu * 1e6) / (run.requests * PER_BATCH)).toFixed(2)),
      peakRssMB: Math.max(...procs.map((p) => Math.round(p.peakRss() / 1024 / 1024))),
    };
  } finally {
    for (const p of procs) {
      await p.stop();
      started.splice(started.indexOf(p), 1);
    }
  }
}

export async function benchClickHouseLoad(dir: string, started: Started[]) {
  const warmup = makeLoadBodies(WARMUP_REQUESTS);
  const bodies = makeLoadBodies(REQUESTS);
  const expected = (WARMUP_REQUESTS + REQUESTS) * PER_BATCH;

  // The embedded store under the same load, for the comparison (one process: SQLite is one file).
  const sqlitePath = join(dir, 'clickhouse-bench-baseline.sqlite');
  const sqlite = await runNodes(sqlitePath, 1, warmup, bodies, started, null);
  const sqliteStored = (() => {
    const conn = new Database(sqlitePath, { readonly: true });
    try {
      return (conn.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    } finally {
      conn.close();
    }
  })();

  let server: ClickHouseServer | undefined;
  try {
    server = await startClickHouse();
    const client = createClient({ url: server.httpUrl });
    const version = (await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>())[0].v;
    const runs = [];
    for (const n of NODE_COUNTS) {
      const db = `bench_${n}`;
      const run = await runNodes(server.dbUrl(db), n, warmup, bodies, started, server.pid);
      const stored = await (await client.query({ query: `SELECT uniqExact(message_id) AS n FROM ${db}.events`, format: 'JSONEachRow' })).json<{ n: string }>();
      runs.push({ ...run, stored: Number(stored[0].n), expected });
      await client.command({ query: `DROP DATABASE ${db}` });
    }
    await client.close();
    const best = runs.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
    return {
      what:
        `autocannon, ${CONNECTIONS} connections split over the collectors, ${REQUESTS} POST /v1/batch of ${PER_BATCH} new UUIDv7 events ` +
        `(after ${WARMUP_REQUESTS} warm-up requests); ClickHouse ${version} on this machine, group commit defaults; ` +
        'the embedded SQLite store under the same load',
      sqlite: { ...sqlite, stored: sqliteStored, expected },
      clickhouse: runs,
      bestClickHouse: { collectors: best.collectors, eventsPerSecond: best.eventsPerSecond },
      budget: { eventsPerSecond: 100_000 },
    };
  } finally {
    await server?.stop();
  }
}

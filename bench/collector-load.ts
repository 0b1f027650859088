/**
 * Collector load: autocannon (a real, independent HTTP load generator) against the collector
 * process, and the same load against a bare node:http server that reads each body and answers 204
 * without parsing or storing anything. The bare server is the ceiling this machine allows (the
 * load generator shares the 2 cores); the ratio says how much of it the collector reaches.
 *
 * Every request carries a pre-built batch of 100 events with its own UUIDv7 messageIds, so every
 * event is new and has to be stored: a `setupRequest` hands each request the next body of a pool,
 * and `amount` stops the run when the pool is used up. Afterwards the stored count must equal the
 * events sent, or the figure would count work the collector did not do.
 */
import { randomFillSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { createUuidV7 } from '../src/shared/uuid-v7.js';
import { freePort } from '../test/helpers/ports.js';
import { startProcess, type Started } from './process.js';

const PER_BATCH = 100;
/** Requests in the measured run: 8,000 × 100 = 800,000 events (about 230 MB of bodies). */
const REQUESTS = 8_000;
const WARMUP_REQUESTS = 400;
/** Many clients at once, as a collector serves them; with few, the two threads wait on each other. */
const CONNECTIONS = 16;
const NAMES = ['product_viewed', 'add_to_cart', 'add_to_wishlist', 'video_started', 'purchase_completed'];

/** Bodies ready to send: the load generator should spend its CPU on HTTP, not on JSON. */
export function makeLoadBodies(count: number, perBatch = PER_BATCH): Buffer[] {
  const mint = createUuidV7((b) => randomFillSync(b));
  const start = Date.now() - 3_600_000;
  const sentAt = new Date().toISOString();
  const bodies: Buffer[] = [];
  let seq = 0;
  for (let b = 0; b < count; b++) {
    const batch = [];
    for (let i = 0; i < perBatch; i++) {
      const ts = start + seq;
      seq++;
      batch.push({
        type: 'track',
        event: NAMES[seq % NAMES.length],
        properties: { product_id: `sku-${seq % 97}`, price: (seq % 50) + 0.99 },
        messageId: mint(Date.now()),
        anonymousId: `anon-${b % 300}`,
        timestamp: new Date(ts).toISOString(),
        context: {
          channel: 'browser',
          library: { name: 'homing', version: 'bench' },
          homing: { seq, sessionId: `s-${b % 300}` },
          page: { url: 'https://shop.test/p', path: '/p', search: '', title: 'P', referrer: '' },
        },
      });
    }
    bodies.push(Buffer.from(JSON.stringify({ batch, sentAt })));
  }
  return bodies;
}

interface LoadRun {
  loadGeneratorCpuShare: number;
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  eventsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/**
 * What every load run sends: one request at a time per connection, each a POST /v1/batch of the
 * next pre-built body (`nextBody`, shared by all the runs of one load so no body goes twice), and
 * `onAnswer` told of each answer.
 */
export function batchPosts(nextBody: () => Buffer, onAnswer: () => void) {
  return {
    pipelining: 1,
    timeout: 30,
    sampleInt: 100,
    requests: [
      {
        method: 'POST' as const,
        path: '/v1/batch',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request: object) => ({ ...request, body: nextBody() }),
        onResponse: onAnswer,
      },
    ],
  };
}

/** Sends every body once over `CONNECTIONS` keep-alive connections. */
async function load(port: number, bodies: Buffer[]): Promise<LoadRun> {
  let next = 0;
  // Timed from the first request to the last answer: autocannon notices that `amount` is reached
  // only on its next sampling tick, so its own duration (and the time until it resolves) rounds
  // up by as much as `sampleInt`.
  let lastAnswer = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    amount: bodies.length,
    ...batchPosts(() => bodies[next++ % bodies.length], () => (lastAnswer = performance.now())),
  });
  const seconds = (lastAnswer - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ok = result['2xx'];
  return {
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: Number(seconds.toFixed(3)),
    eventsPerSecond: Math.round((ok * PER_BATCH) / seconds),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    // autocannon runs in this process and competes with the server for the same 2 cores.
    loadGeneratorCpuShare: Number(((cpu.user + cpu.system) / 1e6 / ((performance.now() - started) / 1000)).toFixed(2)),
  };
}

/** A server that only reads the body and answers 204: what HTTP alone costs here. */
const BARE_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.statusCode = 204; res.end(); });
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('bare server listening'));
// Exit with a code, not by the signal: Started.stop() only knows a process has ended by its code.
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

/** CPU seconds used so far by each thread of a process (Linux: /proc/PID/task/TID/stat). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the thread ended
    }
  }
  return out;
}

async function measure(args: string[], port: number, warmup: Buffer[], bodies: Buffer[], started: Started[]) {
  const proc = await startProcess(args);
  started.push(proc);
  try {
    await load(port, warmup);
    const cpuBefore = proc.cpuSeconds();
    const threadsBefore = threadCpu(proc.child.pid!);
    const run = await load(port, bodies);
    const cpu = proc.cpuSeconds() - cpuBefore;
    const events = run.requests * PER_BATCH;
    // The busy threads (the main thread, and the SQLite worker where there is one), as CPU µs per
    // event: what each thread costs, whatever else ran on the machine meanwhile.
    const busyThreads = [...threadCpu(proc.child.pid!)]
      .map(([tid, s]) => s - (threadsBefore.get(tid) ?? 0))
      .filter((s) => s > cpu * 0.1)
      .sort((a, b) => b - a)
      .map((s) => Number(((s * 1e6) / events).toFixed(2)));
    return {
      ...run,
      // The load generator and other jobs share the 2 cores: what one server CPU-second handles is
      // the figure that depends least on them (for a multi-threaded server it is not its ceiling).
      eventsPerServerCpuSecond: Math.round(events / cpu),
      cpuMicrosecondsPerEventByThread: busyThreads,
      serverCpuShare: Number((cpu / run.seconds).toFixed(2)),
      peakRssMB: Math.round(proc.peakRss() / 1024 / 1024),
    };
  } finally {
    await proc.stop();
    const i = started.indexOf(proc);
    if (i >= 0) started.splice(i, 1);
  }
}

export async function benchCollectorLoad(dir: string, started: Started[], extraCollectorArgs: readonly string[] = []) {
  const warmup = makeLoadBodies(WARMUP_REQUESTS);
  const bodies = makeLoadBodies(REQUESTS);

  const barePort = await freePort();
  const bare = await measure(['-e', BARE_SERVER, String(barePort)], barePort, warmup, bodies, started);

  const port = await freePort();
  const db = join(dir, 'load.sqlite');
  const collector = await measure(['dist/collector/cli.js', '--port', String(port), '--db', db, ...extraCollectorArgs], port, warmup, bodies, started);
  const stored = (() => {
    const conn = new Database(db, { readonly: true });
    try {
      return (conn.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    } finally {
      conn.close();
    }
  })();

  return {
    what: `autocannon, ${CONNECTIONS} connections, ${REQUESTS} POST /v1/batch of ${PER_BATCH} new UUIDv7 events each (after ${WARMUP_REQUESTS} warm-up requests); the same against a bare node:http server answering 204`,
    collector,
    bare,
    ratio: Number((collector.eventsPerSecond / bare.eventsPerSecond).toFixed(2)),
    stored,
    expected: (WARMUP_REQUESTS + REQUESTS) * PER_BATCH,
    budget: { eventsPerSecond: 100_000 },
  };
}

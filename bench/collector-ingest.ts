/**
 * Collector ingest: batches of 100 UUIDv7 events over real HTTP (keep-alive, 4 in flight) into
 * the embedded SQLite store, then a retry pass re-sending 10 % of the batches, as clients whose
 * answers were lost would. Reports events/s, the stored count (must equal the unique events) and
 * the collector's peak RSS.
 */
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import Database from 'better-sqlite3';
import { createUuidV7 } from '../src/shared/uuid-v7.js';
import { freePort } from '../test/helpers/ports.js';
import { startProcess, type Started } from './process.js';

const BATCHES = 2_000;
const PER_BATCH = 100;
const IN_FLIGHT = 4;
const NAMES = ['product_viewed', 'add_to_cart', 'add_to_wishlist', 'video_started', 'purchase_completed'];

function makeBodies(): string[] {
  const mint = createUuidV7((b) => randomFillSync(b));
  const start = Date.now() - 3_600_000;
  const bodies: string[] = [];
  let seq = 0;
  for (let b = 0; b < BATCHES; b++) {
    const batch = [];
    for (let i = 0; i < PER_BATCH; i++) {
      const ts = start + b * 100 + i;
      seq++;
      batch.push({
        type: 'track',
        event: NAMES[seq % NAMES.length],
        properties: { product_id: `sku-${seq % 97}`, price: (seq % 50) + 0.99 },
        messageId: mint(ts),
        anonymousId: `anon-${b % 300}`,
        timestamp: new Date(ts).toISOString(),
        context: { channel: 'browser', library: { name: 'homing', version: 'bench' }, homing: { seq }, page: { url: 'https://shop.test/p', path: '/p', search: '', title: 'P', referrer: '' } },
      });
    }
    bodies.push(JSON.stringify({ batch, sentAt: new Date().toISOString() }));
  }
  return bodies;
}

function post(port: number, agent: Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/batch', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function send(port: number, bodies: string[]): Promise<{ seconds: number; failures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = 0;
  let failures = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) {
        const status = await post(port, agent, bodies[next++]);
        if (status !== 200) failures++;
      }
    }),
  );
  agent.destroy();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, failures };
}

export async function benchCollector(dir: string, started: Started[]) {
  const port = await freePort();
  const db = join(dir, 'ingest.sqlite');
  const collector = await startProcess(['dist/collector/cli.js', '--port', String(port), '--db', db]);
  started.push(collector);
  const bodies = makeBodies();
  const cpuBefore = collector.cpuSeconds();
  const first = await send(port, bodies);
  const cpuFirst = collector.cpuSeconds() - cpuBefore;
  const retry = await send(port, bodies.filter((_, i) => i % 10 === 0));
  const peakRss = collector.peakRss();
  await collector.stop();
  const stored = (new Database(db, { readonly: true }).prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  const events = BATCHES * PER_BATCH;
  return {
    what: `${BATCHES} batches of ${PER_BATCH} UUIDv7 events over HTTP, ${IN_FLIGHT} in flight, SQLite WAL`,
    eventsPerSecond: Math.round(events / first.seconds),
    // The load generator shares the 2 cores; what one collector CPU-second ingests is the
    // capacity figure that does not depend on it.
    eventsPerCollectorCpuSecond: Math.round(events / cpuFirst),
    collectorCpuShare: Number((cpuFirst / first.seconds).toFixed(2)),
    retryPassEventsPerSecond: Math.round((events / 10) / retry.seconds),
    failedRequests: first.failures + retry.failures,
    stored,
    expected: events,
    peakRssMB: Math.round(peakRss / 1024 / 1024),
    budget: { eventsPerSecond: 100_000, peakRssMB: 256 },
  };
}

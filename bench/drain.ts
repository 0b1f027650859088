/**
 * The backlog drain (issue 17): events queued offline, then delivered, in Chromium, Firefox and
 * WebKit, at 50,000 and 100,000 events (the outbox's cap, DEFAULTS.storageMaxEvents). Delivery cost
 * must not grow with the backlog: the time for 100,000 should be about twice the time for 50,000 in
 * every engine, and each engine within 2× of Chromium. (Before the outbox's `peek` read segment keys
 * in bounded ranges, Firefox's cursor read-ahead made each batch read the whole outbox: 50,000
 * events took 69 s against 14 s in Chromium.)
 *
 * Each run is fresh: a collector process on a new SQLite file, a gate between the service worker
 * and the collector (below), the demo server sending through the gate, and a new browser profile.
 * The page (Homing alone on it, its outbox's byte budget raised: see STORAGE) tracks N events
 * with the gate closed (rounds of 1,000 calls per task), waits until every call is durable
 * (`stats().unacked === 0`, and the outbox holds N), opens the gate, asks for a delivery with
 * `homing.flush()` (the one trigger every engine has: WebKit fires no `online` event and has no
 * Background Sync) and times until the collector's last row of the N. The drain time is from that
 * flush call to the collector's `received_at` of its last row.
 *
 * The gate is a small HTTP forwarder: closed, it resets every connection (the collector is
 * unreachable, as when the network is gone); open, it forwards and logs each `POST /v1/batch` with
 * its arrival and answer times. The pause between a batch's answer and the next batch request,
 * taken in the first and the last tenth of the drain, shows whether each batch costs more when
 * more is queued (it did in Firefox: 834 ms falling to 115 ms).
 *
 * Every event must arrive once: the stored rows of the run, and the distinct call numbers among
 * them, must both equal N, or the group fails after reporting every run.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort } from '../test/helpers/ports.js';
import { trackNumbered, type Tab } from '../test/helpers/tab.js';
import { allAcked, ENGINES, homingReady, openEngine, pollPage, type Engine } from './engines.js';
import { startProcess, type Started } from './process.js';
import type { OutboxStats } from '../src/shared/protocol.js';

export const DRAIN_SIZES = [50_000, 100_000] as const;
const EVENT = 'drain_probe';
/** Calls per page task while tracking, and per `evaluate`. */
const PER_TASK = 1_000;
const PER_EVALUATE = 10_000;
/** How long tracking N and making it durable may take, and how long the drain may take, before the run is reported as timed out. */
const DURABLE_TIMEOUT_MS = 10 * 60_000;
const DRAIN_TIMEOUT_MS = 10 * 60_000;
/** No batch answered for this long while events are missing: ask for a delivery again (counted). */
const STALL_MS = 20_000;
/**
 * The outbox's byte budget for these pages. The default (DEFAULTS.storageMaxBytes, 50 MB) holds
 * about 69,000 of these events (about 730 bytes of JSON each, nearly all of it the context every
 * event carries), so at 100,000 the default budget would evict the oldest: the page raises it
 * (`storage.maxBytes`, through the demo's `?homingConfig=`), and the event cap stays the default.
 */
const STORAGE = { maxBytes: 128 * 1024 * 1024 };

/**
 * The page the drain runs on: Homing with the demo's configuration and the budget above, nothing
 * else (the budget goes in the page, not its URL: every event carries the page's URL).
 */
function writeDrainPage(dir: string): string {
  const root = join(dir, 'drain-page');
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, 'index.html'),
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Homing drain</title>\n<!-- homing ${JSON.stringify({ storage: STORAGE })} -->\n</head>\n` +
      '<body><h1>Homing drain</h1><p>Events queued offline, then delivered.</p></body></html>\n',
  );
  return root;
}

interface HomingGlobal {
  track(event: string, props?: Record<string, unknown>): void;
  flush(timeoutMs?: number): Promise<unknown>;
  stats(): Promise<{ unacked: number; outbox: OutboxStats | null }>;
}
declare const homing: HomingGlobal;


const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ── The gate ─────────────────────────────────────────────────────────────────────────────────────

interface BatchRecord {
  /** Epoch ms: the request arrived, its answer was fully sent (null until then). */
  arrivedAt: number;
  answeredAt: number | null;
  status: number | null;
}

interface Gate {
  url: string;
  open(): void;
  /** Resets every open connection and every new one until `open()`. */
  close(): void;
  batches(): BatchRecord[];
  /** Connections reset while closed. */
  refused(): number;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);
const endToEnd = (headers: IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).filter(([name, v]) => v !== undefined && !HOP_BY_HOP.has(name)));

async function startGate(target: string): Promise<Gate> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const batches: BatchRecord[] = [];
  let isOpen = true;
  let refused = 0;
  const server = createServer((req, res) => {
    const record: BatchRecord | null = req.method === 'POST' && req.url?.startsWith('/v1/batch') ? { arrivedAt: Date.now(), answeredAt: null, status: null } : null;
    if (record) batches.push(record);
    const out = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...endToEnd(req.headers), host: upstream.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(res);
        res.once('finish', () => {
          if (!record) return;
          record.answeredAt = Date.now();
          record.status = answer.statusCode ?? null;
        });
      },
    );
    out.once('error', () => req.socket.destroy());
    req.pipe(out);
  });
  server.on('connection', (socket: Socket) => {
    if (!isOpen) {
      refused++;
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    open: () => void (isOpen = true),
    close() {
      isOpen = false;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    batches: () => batches.map((b) => ({ ...b })),
    refused: () => refused,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

// ── Page functions (sent as source text: self-contained) ────────────────────────────────────────

async function outboxStats(): Promise<OutboxStats | null> {
  return (await homing.stats()).outbox;
}

// ── One run ──────────────────────────────────────────────────────────────────────────────────────

export interface DrainRun {
  events: number;
  /** Making the N calls, and from the first call until all were durable in the outbox. */
  trackSeconds: number;
  durableSeconds: number;
  /** The outbox before the drain (JSON bytes of the waiting events). */
  outboxEvents: number;
  outboxMegabytes: number;
  /** From `homing.flush()` to the collector's last row of the N. */
  drainSeconds: number;
  eventsPerSecond: number;
  /** Batch requests answered during the drain, and events per batch on average. */
  batches: number;
  eventsPerBatch: number;
  /** Median pause between a batch's answer and the next batch request: over the drain, its first tenth, its last tenth. */
  pauseMsMedian: number;
  pauseMsFirstTenth: number;
  pauseMsLastTenth: number;
  /** The same median in each tenth of the drain, first to last: a pause that grows with the backlog falls along it. */
  pauseMsByTenth: number[];
  /** Median time the gate waited for the collector's answer to a batch. */
  answerMsMedian: number;
  /** Rows of the run the collector stored, and distinct call numbers among them (both must be N). */
  stored: number;
  distinct: number;
  /** Receipts the outbox counted: `duplicate` is a resend the collector already had. */
  receipts: { delivered: number; duplicate: number; rejected: number; evicted: number };
  /** `homing.flush()` calls it took (1 unless a flush was lost to a backoff in progress, or delivery stalled). */
  flushes: number;
  /** Connections the closed gate reset while the events were tracked. */
  refusedConnections: number;
  timedOut: boolean;
  /** What went wrong, when something did: a timeout is reported, anything else fails the group. */
  failure?: string;
}

async function drainOnce(engine: Engine, n: number, dir: string): Promise<{ run: DrainRun; browser: string }> {
  const [collectorPort, demoPort] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${demoPort}`;
  const dbPath = join(dir, `drain-${engine}-${n}.sqlite`);
  const processes: Started[] = [];
  let gate: Gate | null = null;
  try {
    processes.push(await startProcess(['dist/collector/cli.js', '--port', String(collectorPort), '--db', dbPath, '--origins', origin]));
    gate = await startGate(`http://127.0.0.1:${collectorPort}`);
    processes.push(await startProcess(['dist/demo/cli.js', '--port', String(demoPort), '--collector', gate.url, '--root', writeDrainPage(dir)]));
    const opened = await openEngine(engine, `${origin}/`);
    const { tab } = opened;
    try {
      await homingReady(tab); // whatever the page sent on load is delivered before the outage

      gate.close();
      const t0 = Date.now();
      for (let from = 0; from < n; from += PER_EVALUATE) await tab.evaluate(trackNumbered, EVENT, {}, from, Math.min(PER_EVALUATE, n - from), PER_TASK);
      const tracked = Date.now();
      await allAcked(tab, DURABLE_TIMEOUT_MS);
      // Acknowledged means committed; the outbox's own counter says all N wait there (nothing evicted).
      await pollPage(tab, async () => (await homing.stats()).outbox !== null, "the outbox's counters", 10_000);
      const before = await tab.evaluate(outboxStats);
      const durable = Date.now();
      if (!before || before.pending !== n) {
        throw new Error(`${engine}: the outbox holds ${before?.pending} events after ${n} durable calls (evicted ${before?.evicted}, bytes ${before?.bytes})`);
      }

      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        const countAll = db.prepare('SELECT count(*) FROM events').pluck();
        const baseline = countAll.get() as number;
        gate.open();
        const flushAt = Date.now();
        const kick = () => tab.evaluate(() => void homing.flush(60_000));
        await kick();
        let flushes = 1;
        let timedOut = false;
        let lastProgress = Date.now();
        let lastAnswered = 0;
        for (;;) {
          const stored = (countAll.get() as number) - baseline;
          if (stored >= n) break;
          const answered = gate.batches().filter((b) => b.arrivedAt >= flushAt && b.answeredAt !== null).length;
          if (answered !== lastAnswered) [lastAnswered, lastProgress] = [answered, Date.now()];
          // The first flush can meet a retry in progress that is being refused and ends with a
          // backoff; the explicit flush then joins it and stops with it. Ask again until a batch goes.
          const stalled = Date.now() - lastProgress > (answered === 0 ? 2_000 : STALL_MS);
          if (stalled) {
            await kick();
            flushes++;
            lastProgress = Date.now();
          }
          if (Date.now() - flushAt > DRAIN_TIMEOUT_MS) {
            timedOut = true;
            break;
          }
          await sleep(250);
        }
        // The drain ends at the collector's own time of its last row (poll-independent).
        const lastReceived = db.prepare('SELECT max(received_at) FROM events WHERE event = ?').pluck().get(EVENT) as number;
        const figures = db
          .prepare(`SELECT count(*) AS stored, count(DISTINCT json_extract(payload, '$.properties.i')) AS distinct_i FROM events WHERE event = ?`)
          .get(EVENT) as { stored: number; distinct_i: number };
        await sleep(500); // the last settle's receipts reach the outbox counters
        const after = await tab.evaluate(outboxStats);

        const drained = gate.batches().filter((b) => b.arrivedAt >= flushAt && b.answeredAt !== null && b.status === 200);
        const pauses: number[] = [];
        for (let i = 0; i + 1 < drained.length; i++) pauses.push(drained[i + 1].arrivedAt - drained[i].answeredAt!);
        const tenth = Math.max(1, Math.floor(pauses.length / 10));
        const drainSeconds = (lastReceived - flushAt) / 1000;
        const run: DrainRun = {
          events: n,
          trackSeconds: round((tracked - t0) / 1000),
          durableSeconds: round((durable - t0) / 1000),
          outboxEvents: before.pending,
          outboxMegabytes: round(before.bytes / 1e6, 1),
          drainSeconds: round(drainSeconds),
          eventsPerSecond: Math.round(figures.stored / drainSeconds),
          batches: drained.length,
          eventsPerBatch: Math.round(figures.stored / Math.max(1, drained.length)),
          pauseMsMedian: median(pauses),
          pauseMsFirstTenth: median(pauses.slice(0, tenth)),
          pauseMsLastTenth: median(pauses.slice(-tenth)),
          pauseMsByTenth: Array.from({ length: 10 }, (_, k) => median(pauses.slice(Math.floor((k * pauses.length) / 10), Math.floor(((k + 1) * pauses.length) / 10)))),
          answerMsMedian: median(drained.map((b) => b.answeredAt! - b.arrivedAt)),
          stored: figures.stored,
          distinct: figures.distinct_i,
          receipts: {
            delivered: (after?.delivered ?? 0) - before.delivered,
            duplicate: (after?.duplicate ?? 0) - before.duplicate,
            rejected: (after?.rejected ?? 0) - before.rejected,
            evicted: (after?.evicted ?? 0) - before.evicted,
          },
          flushes,
          refusedConnections: gate.refused(),
          timedOut,
        };
        // A drain too slow to finish is a figure (reported, the group goes on); a loss or a double is a failure.
        if (timedOut) run.failure = `not drained within ${DRAIN_TIMEOUT_MS / 1000} s: ${figures.stored} of ${n} stored`;
        if (figures.stored > n || figures.distinct_i !== figures.stored || (!timedOut && figures.stored !== n)) {
          run.failure = `${figures.stored} rows, ${figures.distinct_i} distinct calls stored of ${n}`;
        }
        if (run.failure) console.error(`drain ${engine} ${n}: ${run.failure}\n${opened.log().slice(-40).join('\n')}`);
        return { run, browser: opened.version };
      } finally {
        db.close();
      }
    } finally {
      await opened.close().catch(() => undefined);
    }
  } finally {
    await gate?.stop();
    for (const p of processes.reverse()) await p.stop();
  }
}

// ── The group ────────────────────────────────────────────────────────────────────────────────────

export interface DrainOptions {
  engines?: readonly Engine[];
  sizes?: readonly number[];
}

export async function benchDrain(dir: string, options: DrainOptions = {}) {
  const engines = options.engines ?? ENGINES;
  const sizes = options.sizes ?? DRAIN_SIZES;
  const started = Date.now();
  const byEngine: Record<string, { browser: string; runs: Record<string, DrainRun>; ratioLargestToSmallest?: number; vsChromium?: Record<string, number> }> = {};
  const failures: string[] = [];
  for (const engine of engines) {
    const runs: Record<string, DrainRun> = {};
    let browser = '';
    for (const n of sizes) {
      const t = Date.now();
      const out = await drainOnce(engine, n, dir);
      browser = out.browser;
      runs[n] = out.run;
      const r = out.run;
      console.log(
        `drain ${engine} ${n.toLocaleString('en')}: ${r.drainSeconds} s (${r.eventsPerSecond}/s, ${r.batches} batches of ~${r.eventsPerBatch}; ` +
          `pause median ${r.pauseMsMedian} ms, first tenth ${r.pauseMsFirstTenth}, last tenth ${r.pauseMsLastTenth}); ` +
          `tracked in ${r.trackSeconds} s, durable after ${r.durableSeconds} s; stored ${r.stored}, distinct ${r.distinct}, resends ${r.receipts.duplicate}; ` +
          `run ${round((Date.now() - t) / 1000, 1)} s`,
      );
      const broken = r.distinct !== r.stored || r.stored > n || (!r.timedOut && r.stored !== n);
      if (broken) failures.push(`${engine} ${n}: ${r.failure}`);
    }
    byEngine[engine] = { browser, runs };
    if (sizes.length > 1) {
      const [small, large] = [sizes[0], sizes[sizes.length - 1]];
      byEngine[engine].ratioLargestToSmallest = round(runs[large].drainSeconds / runs[small].drainSeconds);
    }
  }
  const chromium = byEngine.chromium;
  if (chromium) {
    for (const engine of engines) {
      byEngine[engine].vsChromium = Object.fromEntries(sizes.map((n) => [n, round(byEngine[engine].runs[n].drainSeconds / chromium.runs[n].drainSeconds)]));
    }
  }
  const summary =
    'drain seconds ' +
    engines
      .map((engine) => {
        const e = byEngine[engine];
        const secs = sizes.map((n) => e.runs[n].drainSeconds).join(' / ');
        const times = sizes[sizes.length - 1] / sizes[0];
        const extra = [
          e.ratioLargestToSmallest !== undefined ? `${e.ratioLargestToSmallest}× the time for ${times}× the events` : '',
          engine !== 'chromium' && e.vsChromium ? `${sizes.map((n) => e.vsChromium![n]).join(' / ')}× Chromium` : '',
        ]
          .filter(Boolean)
          .join(', ');
        return `${engine} ${secs}${extra ? ` (${extra})` : ''}`;
      })
      .join('; ') +
    ` (${sizes.map((n) => n.toLocaleString('en')).join(' / ')} events)`;
  console.log(summary);
  const result = {
    what:
      'events tracked with the collector unreachable, then delivered after homing.flush(): seconds from the flush to the collector storing the last one, ' +
      'each engine and backlog in a fresh profile; pauses are between a batch answer and the next batch request',
    sizes: [...sizes],
    ...byEngine,
    summary,
    groupSeconds: round((Date.now() - started) / 1000, 1),
    target: { ratioLargestToSmallest: 'about 2 (linear)', vsChromium: '≤ 2' },
  };
  if (failures.length > 0) {
    console.error(JSON.stringify(result, null, 2));
    throw new Error(`drain: events not delivered exactly once:\n  ${failures.join('\n  ')}`);
  }
  return result;
}

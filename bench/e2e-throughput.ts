/**
 * End to end, page to SQLite, in real Chromium against a real collector process (docs/budgets.md:
 * "events tracked at 5,000/s for 10 s; a 10k burst: 100 % stored, 0 duplicates; the burst within
 * 10 s"). One page tracks at a steady rate, then in one burst; the figures come from the
 * collector's own rows: what was stored, how often, and how long after capture.
 */
import type { Browser, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { recordBatches } from '../test/helpers/batch-log.js';
import { readEvents, type StoredRow } from '../test/helpers/collector.js';

interface HomingGlobal {
  track(event: string, props?: Record<string, unknown>): void;
  flush(timeoutMs?: number): Promise<unknown>;
}
declare const homing: HomingGlobal;

const RATE = 5_000; // events per second
const SECONDS = 10;
const TICK_MS = 10; // 50 events per tick at 5,000/s
const BURST = 10_000;
/** How long to wait for the collector to have a phase's events before reporting what it has. */
const DRAIN_TIMEOUT_MS = 120_000;

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function openReady(page: Page, origin: string): Promise<void> {
  await page.goto(origin + '/');
  await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    await homing.flush();
  });
}

/**
 * RATE events per second for SECONDS from a setInterval of TICK_MS. A late tick catches up to what
 * is due by then, so the offered load stays at RATE when timers slip; the achieved rate and the
 * largest tick say how smooth it was.
 */
function trackSteady(page: Page, name: string) {
  return page.evaluate(
    ({ name, rate, seconds, tickMs }) =>
      new Promise<{ tracked: number; seconds: number; ticks: number; maxPerTick: number; endedAt: number }>((resolve) => {
        const total = rate * seconds;
        const t0 = performance.now();
        let tracked = 0;
        let ticks = 0;
        let maxPerTick = 0;
        const timer = setInterval(() => {
          ticks++;
          const elapsed = performance.now() - t0;
          const due = Math.min(total, Math.floor((elapsed * rate) / 1000));
          maxPerTick = Math.max(maxPerTick, due - tracked);
          while (tracked < due) homing.track(name, { i: tracked++ });
          if (tracked >= total) {
            clearInterval(timer);
            resolve({ tracked, seconds: (performance.now() - t0) / 1000, ticks, maxPerTick, endedAt: Date.now() });
          }
        }, tickMs);
      }),
    { name, rate: RATE, seconds: SECONDS, tickMs: TICK_MS },
  );
}

/** BURST calls in one task; resolves with the wall-clock time the burst began. */
function trackBurst(page: Page, name: string): Promise<number> {
  return page.evaluate(
    ({ name, count }) => {
      const at = Date.now();
      for (let i = 0; i < count; i++) homing.track(name, { i });
      return at;
    },
    { name, count: BURST },
  );
}

/** Polls the collector's database until it holds `count` rows of `event`, or the timeout passes. */
async function waitStored(dbPath: string, event: string, count: number): Promise<number> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const query = db.prepare('SELECT count(*) FROM events WHERE event = ?').pluck();
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    for (;;) {
      const n = query.get(event) as number;
      if (n >= count || Date.now() > deadline) return n;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    db.close();
  }
}

/** Stored, distinct calls, and delivery latency (collector receivedAt − capture time) of one phase. */
function phaseFigures(rows: StoredRow[], tracked: number) {
  const distinct = new Set(rows.map((r) => r.event.properties?.i)).size;
  const latencies = rows.map((r) => r.receivedAt - Date.parse(r.event.originalTimestamp)).sort((a, b) => a - b);
  return {
    tracked,
    stored: rows.length,
    storedPercent: round((100 * distinct) / tracked, 3),
    /** Calls stored more than once (under another messageId: the database keys on messageId). */
    storedTwice: rows.length - distinct,
    latencyMsP50: percentile(latencies, 50),
    latencyMsP99: percentile(latencies, 99),
    latencyMsMax: latencies[latencies.length - 1] ?? NaN,
    lastReceivedAt: rows.reduce((max, r) => Math.max(max, r.receivedAt), 0),
  };
}

export async function benchEndToEnd(browser: Browser, origin: string, dbPath: string) {
  const context = await browser.newContext();
  const batches = recordBatches(context);
  const page = await context.newPage();
  await openReady(page, origin);

  const steady = await trackSteady(page, 'e2e_steady');
  await waitStored(dbPath, 'e2e_steady', steady.tracked);
  const burstAt = await trackBurst(page, 'e2e_burst');
  await waitStored(dbPath, 'e2e_burst', BURST);
  await batches.settled(30_000).catch(() => undefined); // a request still open only leaves its receipts out
  batches.stop();
  await context.close();

  const rows = readEvents(dbPath);
  const steadyFigures = phaseFigures(rows.filter((r) => r.event.event === 'e2e_steady'), steady.tracked);
  const burstFigures = phaseFigures(rows.filter((r) => r.event.event === 'e2e_burst'), BURST);
  const { lastReceivedAt: steadyLast, ...steadyOut } = steadyFigures;
  const { lastReceivedAt: burstLast, ...burstOut } = burstFigures;
  return {
    steady: {
      targetPerSecond: RATE,
      achievedPerSecond: Math.round(steady.tracked / steady.seconds),
      seconds: round(steady.seconds),
      ticks: steady.ticks,
      maxEventsPerTick: steady.maxPerTick,
      ...steadyOut,
      /** From the last call of the phase to the collector storing its last event. */
      drainedSecondsAfterLastCall: round((steadyLast - steady.endedAt) / 1000),
    },
    burst: {
      ...burstOut,
      /** From the burst's first call to the collector storing its last event. */
      deliveredWithinSeconds: round((burstLast - burstAt) / 1000),
    },
    /** Events the collector answered "duplicate": the same messageId sent again. */
    resentDuplicates: batches.duplicates(),
    batchRequests: batches.requests.length,
    budget: { storedPercent: 100, duplicates: 0, burstWithinSeconds: 10 },
  };
}

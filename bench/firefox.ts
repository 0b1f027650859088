/**
 * The main-thread cost of `track()` in Firefox, next to Chromium's, measured by the same code in
 * both: the built demo page, a real collector process, each browser driven by puppeteer-core
 * (test/helpers/launch.ts; Playwright cannot drive Debian's Firefox). As bench/browser.ts does for
 * Chromium: µs per call in rounds of 1,000 calls, each round its own task and timed until the
 * client's hand-off microtask has run, then one 10,000-call burst in a single task.
 *
 * Timer resolution: outside cross-origin isolation `performance.now()` is coarsened (Chromium
 * 100 µs; Firefox 1 ms, with jitter), and a round of 1,000 calls lasts about a millisecond. So the
 * result reports the measured resolution, every round, and next to the median the mean of the
 * middle half of the rounds (the jittered steps average out, a GC pause does not count): read
 * that one when the median sits on a resolution step.
 */
import type { Page } from 'puppeteer-core';
import { launchBrowser, type BrowserName } from '../test/helpers/launch.js';

const ROUNDS = 50;

interface HomingGlobal {
  track(event: string, props?: Record<string, unknown>): void;
  flush(timeoutMs?: number): Promise<unknown>;
  stats(): Promise<{ unacked: number }>;
}
declare const homing: HomingGlobal;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
/** Mean of the middle half: averages the clock's jittered steps, ignores the odd GC pause. */
const midMean = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.slice(Math.floor(s.length / 4), Math.ceil((s.length * 3) / 4));
  return mid.reduce((a, b) => a + b, 0) / mid.length;
};

/** Rounds of 1,000 calls, then a burst of `rounds × 1000` (the same loop as bench/browser.ts). */
function trackRounds(page: Page, rounds: number): Promise<{ perCall: number[]; burst: number; longTasks: number | null; resolutionMs: number }> {
  return page.evaluate(async (rounds) => {
    // Firefox has no 'longtask' entries: null there, a count in Chromium.
    const canObserve = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;
    const longTasks: PerformanceEntry[] = [];
    const observer = canObserve ? new PerformanceObserver((list) => longTasks.push(...list.getEntries())) : null;
    observer?.observe({ type: 'longtask' });
    // The smallest step performance.now() takes here.
    let resolutionMs = Infinity;
    for (let i = 0; i < 50; i++) {
      const a = performance.now();
      let b = performance.now();
      while (b === a) b = performance.now();
      resolutionMs = Math.min(resolutionMs, b - a);
    }
    const perCall: number[] = [];
    for (let r = 0; r < rounds; r++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) homing.track('bench_event', { i, r, product_id: 'sku-1' });
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      perCall.push(performance.now() - t0); // ms per 1000 calls = µs per call
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) homing.track('bench_burst', { i });
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    const burst = ((performance.now() - t0) / 10_000) * 1000;
    await new Promise((resolve) => setTimeout(resolve, 100));
    observer?.disconnect();
    return { perCall, burst, longTasks: observer ? longTasks.length : null, resolutionMs };
  }, rounds);
}

async function measure(name: BrowserName, origin: string) {
  const { browser } = await launchBrowser(name);
  try {
    const version = await browser.version();
    const page = await browser.newPage();
    await page.goto(origin + '/');
    await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q, { polling: 50 });
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      await homing.flush();
    });
    const acked = () => page.waitForFunction(async () => (await homing.stats()).unacked === 0, { polling: 50, timeout: 120_000 });
    await trackRounds(page, 5); // warm-up: JIT, comlink, the worker and the SW
    await acked();
    const run = await trackRounds(page, ROUNDS);
    await acked();
    return {
      browser: version,
      trackMicrosMedian: round(median(run.perCall)),
      trackMicrosMidMean: round(midMean(run.perCall)),
      trackMicrosMax: round(Math.max(...run.perCall)),
      trackMicros10kBurst: round(run.burst),
      longTasksDuringTracking: run.longTasks,
      timerResolutionMicros: round(run.resolutionMs * 1000, 1),
      rounds: run.perCall.map((x) => round(x)),
    };
  } finally {
    await browser.close();
  }
}

/** `origin`: the demo site, sending to a running collector (bench/run.ts starts both). */
export async function benchFirefox(origin: string) {
  // Same origin, one browser after the other: each gets a fresh profile, so its own SW and outbox.
  const firefox = await measure('firefox', origin);
  const chromium = await measure('chromium', origin);
  console.log(
    `track() µs per call, rounds of 1,000 (median / mean of the middle half): Firefox ${firefox.trackMicrosMedian} / ${firefox.trackMicrosMidMean}, ` +
      `Chromium ${chromium.trackMicrosMedian} / ${chromium.trackMicrosMidMean} (both through puppeteer-core)`,
  );
  return {
    what: `track() on the main thread, µs per call in ${ROUNDS} rounds of 1,000 calls with the hand-off microtask, same code in both browsers (puppeteer-core)`,
    firefox,
    chromium,
    budget: { trackMicrosMedian: 2 },
  };
}

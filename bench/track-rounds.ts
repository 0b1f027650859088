/**
 * The main-thread `track()` loop that bench/browser.ts (Chromium, Playwright) and bench/engines.ts
 * (Firefox and Chromium, puppeteer-core) both run, so their figures come from the same code.
 *
 * `trackRounds` is a page function: `page.evaluate` sends it as source text, so it stays
 * self-contained (no imports, no helpers from this module) and takes one argument, which both
 * drivers pass the same way.
 */

export interface TrackRoundsOptions {
  /** Rounds of 1,000 calls, each its own task. */
  rounds: number;
  /** Calls in the burst after the rounds, all in one task. */
  burst: number;
}

export interface TrackRoundsResult {
  /** ms per round of 1,000 calls, which is µs per call. */
  perCall: number[];
  /** µs per call of the burst. */
  burst: number;
  /** Long tasks seen while tracking; null where the browser has no 'longtask' entries (Firefox). */
  longTasks: number | null;
  /** The smallest step `performance.now()` takes in this page, in ms. */
  resolutionMs: number;
}

/** The page's `homing` global, as the loop uses it. */
declare const homing: { track(event: string, props?: Record<string, unknown>): void };

/**
 * µs per track() in rounds of 1,000 calls, each round timed until the client's hand-off microtask
 * has run, then one burst. Outside cross-origin isolation `performance.now()` is coarsened
 * (Chromium 100 µs; Firefox 1 ms, with jitter) and a round lasts about a millisecond, so the
 * result also reports the clock's measured resolution.
 */
export async function trackRounds({ rounds, burst }: TrackRoundsOptions): Promise<TrackRoundsResult> {
  const canObserve = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;
  const longTasks: PerformanceEntry[] = [];
  const observer = canObserve ? new PerformanceObserver((list) => longTasks.push(...list.getEntries())) : null;
  observer?.observe({ type: 'longtask' });
  let resolutionMs = Infinity;
  for (let i = 0; i < 50; i++) {
    const a = performance.now();
    let b = performance.now();
    while (b === a) b = performance.now();
    resolutionMs = Math.min(resolutionMs, b - a);
  }
  const perCall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Each round is its own task, as calls from real event handlers would be.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) homing.track('bench_event', { i, r, product_id: 'sku-1' });
    // Queued after the client's own hand-off microtask, so it resolves once that one ran.
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    perCall.push(performance.now() - t0); // ms per 1000 calls = µs per call
  }
  await new Promise((resolve) => setTimeout(resolve, 0));
  const t0 = performance.now();
  for (let i = 0; i < burst; i++) homing.track('bench_burst', { i });
  await new Promise<void>((resolve) => queueMicrotask(resolve));
  const burstMicros = ((performance.now() - t0) / burst) * 1000;
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer?.disconnect();
  return { perCall, burst: burstMicros, longTasks: observer ? longTasks.length : null, resolutionMs };
}

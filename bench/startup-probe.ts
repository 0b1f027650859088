/**
 * The page side of bench/startup.ts: functions that run in the page, so each is self-contained (no
 * imports, no helpers from this module), like bench/track-rounds.ts.
 *
 * `startupProbe` is pasted as an inline script before the stub, so its PerformanceObserver sees
 * every task from the stub on. It reports once, through the console (a `page.evaluate` while the
 * page starts would run Playwright's own script in the page and add tasks of its own): the long
 * tasks that began before Homing was ready, ready meaning the client replaced the stub, the worker
 * answers and the page view is durable (which takes the service worker's registration after
 * `load`). Until then it asks `stats()` every `pollMs` from `load` + `settleMs`; a poll is a
 * comlink round trip of a few hundred µs, so few and late.
 */

export interface ProbeOptions {
  /** Wait after `load` before the first readiness check. */
  settleMs: number;
  pollMs: number;
  /** Give up (and report `ready: false`) this long after navigation. */
  timeoutMs: number;
  /** Console line prefix the driver waits for. */
  tag: string;
}

export interface ProbeReport {
  /** Homing was ready (always true for the page without Homing, which only waits `settleMs`). */
  ready: boolean;
  /** ms from navigation start to the readiness check that succeeded; the window for `longTasks`. */
  readyMs: number;
  /** [startTime, duration] in ms of each long task that started before `readyMs`. */
  longTasks: Array<[number, number]>;
  /** False where the browser has no 'longtask' entries. */
  observed: boolean;
}

export function startupProbe(options: ProbeOptions): void {
  const entries: Array<[number, number]> = [];
  const observed = typeof PerformanceObserver !== 'undefined' && (PerformanceObserver.supportedEntryTypes ?? []).includes('longtask');
  if (observed) {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) entries.push([Math.round(e.startTime * 10) / 10, Math.round(e.duration * 10) / 10]);
    }).observe({ type: 'longtask' });
  }
  const report = (ready: boolean, readyMs: number) => {
    const body: ProbeReport = { ready, readyMs: Math.round(readyMs), longTasks: entries.filter(([start]) => start < readyMs), observed };
    console.log(options.tag + JSON.stringify(body));
  };
  interface Client {
    q?: unknown;
    stats?: () => Promise<{ worker: unknown; acked: number }>;
  }
  const check = (): void => {
    const client = (window as unknown as { homing?: Client }).homing;
    if (!document.querySelector('script[src*="homing"]')) return report(true, performance.now()); // the page without Homing
    if (performance.now() > options.timeoutMs) return report(false, performance.now());
    if (!client || typeof client.stats !== 'function' || client.q) return void setTimeout(check, options.pollMs);
    const at = performance.now();
    client.stats().then(
      (s) => (s.worker && s.acked >= 1 ? report(true, at) : void setTimeout(check, options.pollMs)),
      () => void setTimeout(check, options.pollMs),
    );
  };
  addEventListener('load', () => setTimeout(check, options.settleMs));
}

/** The page's `homing` global, as the burst uses it. */
declare const homing: { track(event: string, props?: Record<string, unknown>): void };

export interface BurstResult {
  /** ms in the loop of `track()` calls. */
  loopMs: number;
  /** ms from the loop's end until the client's hand-off microtask has run (the batch posted to the worker). */
  handoffMs: number;
  /** The smallest step `performance.now()` takes in this page, in ms. */
  resolutionMs: number;
}

/**
 * The first `calls` track() calls of the page, in one task, timed until the client's hand-off
 * microtask has run: a microtask queued after the loop runs after the one the first call queued.
 */
export async function trackBurst(calls: number): Promise<BurstResult> {
  let resolutionMs = Infinity;
  for (let i = 0; i < 20; i++) {
    const a = performance.now();
    let b = performance.now();
    while (b === a) b = performance.now();
    resolutionMs = Math.min(resolutionMs, b - a);
  }
  await new Promise((resolve) => setTimeout(resolve, 0));
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) homing.track('bench_cold', { i, product_id: 'sku-1' });
  const t1 = performance.now();
  await new Promise<void>((resolve) => queueMicrotask(resolve));
  const t2 = performance.now();
  return { loopMs: t1 - t0, handoffMs: t2 - t1, resolutionMs };
}

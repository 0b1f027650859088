/**
 * Main-thread and service-worker figures, measured in real Chromium on the built demo page.
 */
import type { Browser, CDPSession, Page } from '@playwright/test';
import type { Started } from './process.js';
import { trackRounds } from './track-rounds.js';

interface HomingGlobal {
  track(event: string, props?: Record<string, unknown>): void;
  flush(timeoutMs?: number): Promise<unknown>;
  stats(): Promise<{ captured: number; acked: number; unacked: number }>;
}
declare const homing: HomingGlobal;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function openReady(page: Page, origin: string) {
  await page.goto(origin + '/');
  await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    await homing.flush();
  });
}

async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
}

async function heapUsed(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usedSize;
}

async function waitAcked(page: Page) {
  await page.waitForFunction(async () => (await homing.stats()).unacked === 0, undefined, { timeout: 120_000, polling: 50 });
}

export async function benchMainThread(browser: Browser, origin: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openReady(page, origin);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.enable');

  // Idle baseline: main-thread task time of this page doing nothing for 5 s.
  let before = await taskSeconds(cdp);
  await page.waitForTimeout(5_000);
  const idleMs = ((await taskSeconds(cdp)) - before) * 1000;

  await page.evaluate(trackRounds, { rounds: 2, burst: 2_000 }); // warm-up: JIT, comlink, the worker and the SW
  await waitAcked(page);
  const heapBefore = await heapUsed(cdp);

  const desktop = await page.evaluate(trackRounds, { rounds: 10, burst: 10_000 }); // 10k calls in rounds, then a 10k burst
  before = await taskSeconds(cdp);
  await page.waitForTimeout(5_000);
  const afterMs = ((await taskSeconds(cdp)) - before) * 1000;
  await waitAcked(page);
  const heapAfter = await heapUsed(cdp);

  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const throttled = await page.evaluate(trackRounds, { rounds: 10, burst: 10_000 });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await waitAcked(page);
  await context.close();

  return {
    trackMicrosMedian: round(median(desktop.perCall)),
    trackMicrosMax: round(Math.max(...desktop.perCall)),
    trackMicros10kBurst: round(desktop.burst),
    longTasksDuringTracking: desktop.longTasks,
    mainThreadMsIn5sAfterBurst: round(afterMs, 0),
    mainThreadMsIn5sIdle: round(idleMs, 0),
    trackMicrosMedianAt4xThrottle: round(median(throttled.perCall)),
    longTasksAt4xThrottle: throttled.longTasks,
    heapKeptAfter20kAckedKB: round((heapAfter - heapBefore) / 1024, 0),
    budget: { trackMicrosMedian: 2, mainThreadMsIn5sAfterBurst: 100, trackMicrosMedianAt4xThrottle: 10, heapKeptKB: 1024 },
  };
}

/** Events made durable by the worker + service worker per second, with the collector down. */
export async function benchPersist(browser: Browser, origin: string, collector: Started) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openReady(page, origin);
  await collector.stop(); // isolate persistence from delivery
  const N = 20_000;
  const result = await page.evaluate(async (n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) homing.track('bench_persist', { i, product_id: 'sku-1' });
    for (;;) {
      const s = await homing.stats();
      if (s.unacked === 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    return { ms: performance.now() - t0 };
  }, N);
  await context.close();
  return {
    events: N,
    seconds: round(result.ms / 1000, 2),
    eventsPerSecond: Math.round(N / (result.ms / 1000)),
    budget: { eventsPerSecond: 20_000 },
  };
}

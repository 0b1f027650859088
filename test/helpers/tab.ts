/**
 * One browser tab, whatever drives it: what the cross-browser scenarios (test/cross) and the
 * browser benchmarks need from a page, and nothing more. puppeteer-core drives Chromium (CDP) and
 * Firefox (WebDriver BiDi); WebKit speaks only classic W3C WebDriver (test/helpers/webkit.ts). Both
 * implement this, so a scenario is written once for three engines.
 *
 * Page functions are sent as source text (`fn.toString()`) and run in the page: they must be
 * self-contained, and their arguments and results JSON values.
 */
import type { Page } from 'puppeteer-core';

export interface Tab {
  /** Runs `fn(...args)` in the page and resolves with its (awaited) result. */
  evaluate<R, A extends unknown[]>(fn: (...args: A) => R | Promise<R>, ...args: A): Promise<Awaited<R>>;
  /** Polls `fn` in the page every 50 ms (on a timer: background tabs get no frames) until it returns truthy. */
  waitFor(fn: () => unknown, timeoutMs?: number): Promise<void>;
  /** Closes the tab as a user would (pagehide, visibilitychange, unload run). */
  close(): Promise<void>;
}

/** A puppeteer-core page as a Tab. */
export function puppeteerTab(page: Page): Tab {
  return {
    evaluate: (fn, ...args) => page.evaluate(fn as never, ...(args as unknown as never[])) as never,
    async waitFor(fn, timeoutMs = 10_000) {
      await page.waitForFunction(fn as never, { polling: 50, timeout: timeoutMs });
    },
    close: () => page.close(),
  };
}

/**
 * Runs in the page: `count` calls `homing.track(event, { ...extra, i })` for i from `from` on,
 * `perTask` calls per task (tabs then interleave). Tasks are yielded with a MessageChannel, not a
 * timer, because Firefox throttles timers in background tabs.
 */
export async function trackNumbered(event: string, extra: Record<string, unknown>, from: number, count: number, perTask: number): Promise<void> {
  const nextTask = () =>
    new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(0);
    });
  for (let i = from; i < from + count; i++) {
    (window as unknown as { homing: { track(event: string, properties: object): void } }).homing.track(event, { ...extra, i });
    if ((i - from + 1) % perTask === 0 && i + 1 < from + count) await nextTask();
  }
}

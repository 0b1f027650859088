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

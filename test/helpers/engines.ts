/**
 * One browser of any of the three engines, as the cross-browser scenarios (test/cross) use it:
 * tabs (test/helpers/tab.ts), the engine's controls (browser-control.ts) and its log.
 *
 * Chromium and Firefox are driven by puppeteer-core (launch.ts); WebKit by classic WebDriver
 * (webkit.ts), which has no offline switch: its `setOffline` unplugs the scenario's proxy in front
 * of the collector (`cable`), the way a dead network looks to a browser.
 */
import type { Page } from 'puppeteer-core';
import { browserControl, webkitControl, type BrowserControl } from './browser-control.js';
import { launchBrowser, type BrowserName } from './launch.js';
import { puppeteerTab, type Tab } from './tab.js';
import { launchWebKit } from './webkit.js';

export interface EngineTab extends Tab {
  /** The puppeteer page behind the tab, where the driver offers one (not in WebKit). */
  page?: Page;
}

export interface Engine {
  name: BrowserName;
  /** A new tab on `url`, loaded. */
  newTab(url: string): Promise<EngineTab>;
  control: BrowserControl;
  /**
   * Uncaught errors of pages on `origin`. Chromium: the pages' errors (its SW's stay inside
   * DevTools). Firefox: every page, worker and SW error it prints. WebKit: what the open tabs'
   * `error` and `unhandledrejection` listeners saw (installed when the tab loaded: WebDriver has no
   * preload scripts, and WebKit prints no console line).
   */
  uncaughtErrors(origin: string): Promise<string[]>;
  /** Console and driver lines, for reading a failure. */
  log(): string[];
  close(): Promise<void>;
}

export interface EngineOptions {
  /** A fixed profile directory, to relaunch on the same storage and service workers. */
  userDataDir?: string;
  /** The origin the controls act on (its service worker, its pages). */
  origin: string;
  /** WebKit's network cable: the proxy between the browser and the collector. */
  cable?: { setUnplugged(unplugged: boolean): void };
}

export async function startEngine(name: BrowserName, options: EngineOptions): Promise<Engine> {
  if (name === 'webkit') {
    const browser = await launchWebKit({ userDataDir: options.userDataDir });
    const tabs = new Set<Tab>();
    return {
      name,
      async newTab(url) {
        const tab = await browser.newTab(url);
        await tab.evaluate(() => {
          const w = window as unknown as { homingTestErrors?: string[] };
          if (w.homingTestErrors) return;
          const seen: string[] = (w.homingTestErrors = []);
          addEventListener('error', (e) => seen.push(`${location.href}: ${e.message} (${e.filename}:${e.lineno})`));
          addEventListener('unhandledrejection', (e) => seen.push(`${location.href}: unhandled rejection ${String(e.reason)}`));
        });
        const tracked: Tab = {
          ...tab,
          async close() {
            tabs.delete(tracked);
            await tab.close();
          },
        };
        tabs.add(tracked);
        return tracked;
      },
      control: webkitControl(browser, options.cable),
      async uncaughtErrors(origin) {
        const all: string[] = [];
        for (const tab of tabs) {
          const seen = await tab.evaluate(() => (window as unknown as { homingTestErrors?: string[] }).homingTestErrors ?? []).catch(() => []);
          all.push(...seen.filter((line) => line.startsWith(origin + '/')));
        }
        return all;
      },
      log: () => browser.log(),
      close: () => browser.close(),
    };
  }

  const launched = await launchBrowser(name, { userDataDir: options.userDataDir, systemAccess: true });
  const control = browserControl(launched, options.origin);
  const pageErrors: string[] = [];
  return {
    name,
    async newTab(url) {
      const page = await launched.browser.newPage();
      if (name === 'chromium') page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${String(err)}`));
      await page.goto(url);
      return { ...puppeteerTab(page), page };
    },
    control,
    async uncaughtErrors(origin) {
      if (name === 'chromium') return pageErrors.filter((line) => line.startsWith(origin + '/'));
      return launched.log().filter((line) => line.startsWith(`JavaScript error: ${origin}/`));
    },
    log: () => launched.log(),
    async close() {
      await control.dispose().catch(() => undefined);
      await launched.browser.close().catch(() => undefined);
    },
  };
}

/**
 * The main-thread cost of `track()` in the three engines, Chromium, Firefox and WebKit, measured by
 * the same code in each: the built demo page, a real collector process, each browser driven
 * through a `Tab` (test/helpers/tab.ts): puppeteer-core for Chromium and Firefox
 * (test/helpers/launch.ts; Playwright cannot drive Debian's Firefox), classic WebDriver for
 * WebKitGTK (test/helpers/webkit.ts). The loop is bench/browser.ts's (bench/track-rounds.ts): µs
 * per call in rounds of 1,000 calls, each round its own task and timed until the client's hand-off
 * microtask has run, then one 10,000-call burst in a single task.
 *
 * Timer resolution: outside cross-origin isolation `performance.now()` is coarsened (Chromium
 * 100 µs; Firefox 1 ms, with jitter; WebKitGTK 1 ms), and a round of 1,000 calls lasts about a
 * millisecond. So the result reports the measured resolution, every round, and next to the median
 * the mean of the middle half of the rounds (the jittered steps average out, a GC pause does not
 * count): read that one when the median sits on a resolution step.
 *
 * `openEngine` is also what the backlog drain (bench/drain.ts) opens its pages with.
 */
import { execFileSync } from 'node:child_process';
import { launchBrowser } from '../test/helpers/launch.js';
import { puppeteerTab, type Tab } from '../test/helpers/tab.js';
import { launchWebKit } from '../test/helpers/webkit.js';
import { trackRounds } from './track-rounds.js';

export type Engine = 'chromium' | 'firefox' | 'webkit';
export const ENGINES: readonly Engine[] = ['chromium', 'firefox', 'webkit'];

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

/** A fresh browser (its own temporary profile) with one tab on `url`. */
export interface OpenedEngine {
  engine: Engine;
  /** The browser's own version string (WebKit: its Debian package's, and the user agent's tokens). */
  version: string;
  tab: Tab;
  /** Console lines and errors the driver kept (Firefox and WebKit), for reading a failure. */
  log(): string[];
  close(): Promise<void>;
}

export async function openEngine(engine: Engine, url: string): Promise<OpenedEngine> {
  if (engine === 'webkit') {
    const browser = await launchWebKit();
    try {
      const tab = await browser.newTab(url);
      const ua = await tab.evaluate(() => navigator.userAgent);
      return { engine, version: webkitVersion(ua), tab, log: () => browser.log(), close: () => browser.close() };
    } catch (err) {
      await browser.kill().catch(() => undefined);
      throw err;
    }
  }
  const { browser, log } = await launchBrowser(engine);
  try {
    const version = await browser.version();
    const page = await browser.newPage();
    await page.goto(url);
    return { engine, version, tab: puppeteerTab(page), log, close: () => browser.close() };
  } catch (err) {
    await browser.close().catch(() => undefined);
    throw err;
  }
}

/**
 * WebKitGTK's version: the user agent's tokens are frozen (`AppleWebKit/605.1.15`, a made-up Safari
 * version), so it comes from the Debian package the driver and the launcher use.
 */
function webkitVersion(ua: string): string {
  let version = 'version unknown';
  try {
    version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).trim();
  } catch {
    // not Debian: the user agent alone
  }
  const tokens = ua.split(' ').filter((t) => /^(AppleWebKit|Version|Safari)\//.test(t));
  return `WebKitGTK ${version} (${tokens.join(' ')})`;
}

/**
 * Polls `fn` in the page from here, every `everyMs`, until it returns true. Not `Tab.waitFor`: an
 * async page function's promise must be awaited in the page, which `evaluate` does in every driver.
 */
export async function pollPage(tab: Tab, fn: () => Promise<boolean> | boolean, what: string, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await tab.evaluate(fn)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Until the client runs (the stub's queue replayed) and a service worker controls the page, and
 * whatever the page sent on load is delivered: from here on the outbox holds only what is measured.
 */
export async function homingReady(tab: Tab): Promise<void> {
  await pollPage(tab, () => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q, 'the Homing client', 30_000, 50);
  await pollPage(tab, () => !!navigator.serviceWorker.controller, 'a service worker controlling the page', 30_000, 50);
  await tab.evaluate(async () => {
    await navigator.serviceWorker.ready;
    await homing.flush();
  });
}

/** Until every call this page made is durable (the service worker committed it). */
export function allAcked(tab: Tab, timeoutMs: number): Promise<void> {
  return pollPage(tab, async () => (await homing.stats()).unacked === 0, 'every track() call acknowledged', timeoutMs, 200);
}

async function measure(engine: Engine, origin: string) {
  const opened = await openEngine(engine, origin + '/');
  const { tab } = opened;
  try {
    await homingReady(tab);
    await tab.evaluate(trackRounds, { rounds: 5, burst: 10_000 }); // warm-up: JIT, comlink, the worker and the SW
    await allAcked(tab, 120_000);
    const run = await tab.evaluate(trackRounds, { rounds: ROUNDS, burst: 10_000 });
    await allAcked(tab, 120_000);
    return {
      browser: opened.version,
      trackMicrosMedian: round(median(run.perCall)),
      trackMicrosMidMean: round(midMean(run.perCall)),
      trackMicrosMax: round(Math.max(...run.perCall)),
      trackMicros10kBurst: round(run.burst),
      longTasksDuringTracking: run.longTasks,
      timerResolutionMicros: round(run.resolutionMs * 1000, 1),
      rounds: run.perCall.map((x) => round(x)),
    };
  } finally {
    await opened.close();
  }
}

/** `origin`: the demo site, sending to a running collector (bench/run.ts starts both). */
export async function benchEngines(origin: string) {
  // Same origin, one browser after the other: each gets a fresh profile, so its own SW and outbox.
  const firefox = await measure('firefox', origin);
  const chromium = await measure('chromium', origin);
  const webkit = await measure('webkit', origin);
  const line = (name: string, r: { trackMicrosMedian: number; trackMicrosMidMean: number; timerResolutionMicros: number }) =>
    `${name} ${r.trackMicrosMedian} / ${r.trackMicrosMidMean} (clock ${r.timerResolutionMicros} µs)`;
  console.log(
    `track() µs per call, rounds of 1,000 (median / mean of the middle half): ${line('Chromium', chromium)}, ${line('Firefox', firefox)}, ` +
      `${line('WebKit', webkit)}; WebKit/Chromium ${round(webkit.trackMicrosMidMean / chromium.trackMicrosMidMean)}× (middle-half means)`,
  );
  return {
    what:
      `track() on the main thread, µs per call in ${ROUNDS} rounds of 1,000 calls with the hand-off microtask, same code in every engine ` +
      '(Chromium and Firefox through puppeteer-core, WebKitGTK through WebDriver)',
    chromium,
    firefox,
    webkit,
    budget: { trackMicrosMedian: 2 },
  };
}

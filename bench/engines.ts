/**
 * The main-thread cost of `track()` in Firefox, next to Chromium's, measured by the same code in
 * both: the built demo page, a real collector process, each browser driven by puppeteer-core
 * (test/helpers/launch.ts; Playwright cannot drive Debian's Firefox). The loop is bench/browser.ts's
 * (bench/track-rounds.ts): µs per call in rounds of 1,000 calls, each round its own task and timed
 * until the client's hand-off microtask has run, then one 10,000-call burst in a single task.
 *
 * Timer resolution: outside cross-origin isolation `performance.now()` is coarsened (Chromium
 * 100 µs; Firefox 1 ms, with jitter), and a round of 1,000 calls lasts about a millisecond. So the
 * result reports the measured resolution, every round, and next to the median the mean of the
 * middle half of the rounds (the jittered steps average out, a GC pause does not count): read
 * that one when the median sits on a resolution step.
 */
import { launchBrowser, type BrowserName } from '../test/helpers/launch.js';
import { trackRounds } from './track-rounds.js';

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
    await page.evaluate(trackRounds, { rounds: 5, burst: 10_000 }); // warm-up: JIT, comlink, the worker and the SW
    await acked();
    const run = await page.evaluate(trackRounds, { rounds: ROUNDS, burst: 10_000 });
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

/**
 * Homing's start on a fresh page, in real Chromium (issue 14: "start-up blocks the page"): the long
 * tasks (over 50 ms) from the stub until Homing is ready, and what the page's first 10,000
 * `track()` calls cost with the work they queue. Every load is a fresh browser context (no HTTP
 * cache, no compiled code cache, no service worker: a first visit), at 1× and at 4× CPU throttling
 * (CDP `Emulation.setCPUThrottlingRate`, set before navigation). The machine's load average is
 * reported beside the figures, because long tasks are wall time: a busy machine makes them.
 *
 * The page is the demo's configuration (autocapture, dataLayer, rules) on an otherwise empty page,
 * with bench/startup-probe.ts's observer pasted before the stub; the same page without the stub is
 * the baseline (what the browser itself does in a fresh page's tasks).
 */
import type { Browser, CDPSession, Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startupProbe, trackBurst, type BurstResult, type ProbeOptions, type ProbeReport } from './startup-probe.js';

const TAG = 'homing-startup ';
const PROBE: ProbeOptions = { settleMs: 1_500, pollMs: 500, timeoutMs: 30_000, tag: TAG };
/** Fresh loads per rate; the figures are medians over them. */
const LOADS = 10;
const BASELINE_LOADS = 5;
const CALLS = 10_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/**
 * The bench's pages, in a folder the demo server serves as its root (`--root`): `index.html` with
 * `<!-- homing -->`, where the server pastes the stub and its configuration, and `baseline.html`
 * without it. The probe comes first in `<head>`, before the stub.
 */
export function writeStartupPages(dir: string): string {
  const root = join(dir, 'startup-pages');
  mkdirSync(root, { recursive: true });
  const probe = `<script>(${startupProbe.toString()})(${JSON.stringify(PROBE)});</script>`;
  const page = (title: string, homing: boolean) =>
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title>\n${probe}\n${homing ? '<!-- homing -->\n' : ''}</head>\n` +
    `<body><h1>${title}</h1><p>A page with nothing else on it.</p></body></html>\n`;
  writeFileSync(join(root, 'index.html'), page('Homing start-up', true));
  writeFileSync(join(root, 'baseline.html'), page('No Homing', false));
  return root;
}

interface Load {
  probe: ProbeReport;
  burst: BurstResult | null;
}

async function load(browser: Browser, url: string, rate: number, burst: boolean): Promise<Load> {
  const context = await browser.newContext();
  try {
    const page: Page = await context.newPage();
    const cdp: CDPSession = await context.newCDPSession(page);
    if (rate !== 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    const line = page.waitForEvent('console', { predicate: (m) => m.text().startsWith(TAG), timeout: PROBE.timeoutMs + 10_000 });
    await page.goto(url);
    const probe = JSON.parse((await line).text().slice(TAG.length)) as ProbeReport;
    if (!probe.observed) throw new Error('this Chromium reports no longtask entries');
    return { probe, burst: burst && probe.ready ? await page.evaluate(trackBurst, CALLS) : null };
  } finally {
    await context.close();
  }
}

function longTaskFigures(loads: Load[]) {
  const counts = loads.map((l) => l.probe.longTasks.length);
  const totals = loads.map((l) => l.probe.longTasks.reduce((sum, [, duration]) => sum + duration, 0));
  return {
    loads: loads.length,
    notReady: loads.filter((l) => !l.probe.ready).length,
    longTasksMedian: median(counts),
    longTaskMsMedian: round(median(totals), 0),
    loadsWithALongTask: counts.filter((c) => c > 0).length,
    longestTaskMs: round(Math.max(0, ...loads.flatMap((l) => l.probe.longTasks.map(([, d]) => d))), 0),
    readyMsMedian: round(median(loads.map((l) => l.probe.readyMs)), 0),
    perLoad: loads.map((l) => l.probe.longTasks.map(([, d]) => round(d, 0))),
  };
}

function burstFigures(loads: Load[]) {
  const bursts = loads.map((l) => l.burst).filter((b): b is BurstResult => b !== null);
  const micros = (ms: number) => (ms / CALLS) * 1000;
  return {
    calls: CALLS,
    pages: bursts.length,
    microsPerEventMedian: round(median(bursts.map((b) => micros(b.loopMs + b.handoffMs)))),
    loopMicrosMedian: round(median(bursts.map((b) => micros(b.loopMs)))),
    handoffMicrosMedian: round(median(bursts.map((b) => micros(b.handoffMs)))),
    perPage: bursts.map((b) => round(micros(b.loopMs + b.handoffMs))),
    timerResolutionMicros: round(median(bursts.map((b) => b.resolutionMs * 1000)), 1),
  };
}

/** `origin`: the demo server serving `writeStartupPages`'s folder, sending to a running collector. */
export async function benchStartup(browser: Browser, origin: string) {
  const loadAverage = round(loadavg()[0], 1);
  const byRate: Record<string, { homing: Load[]; baseline: Load[] }> = {};
  for (const rate of [1, 4]) {
    const homing: Load[] = [];
    const baseline: Load[] = [];
    // Interleaved, so a busy spell of the machine hits both pages alike.
    for (let i = 0; i < LOADS; i++) {
      homing.push(await load(browser, `${origin}/`, rate, true));
      if (i < BASELINE_LOADS) baseline.push(await load(browser, `${origin}/baseline.html`, rate, false));
    }
    byRate[rate] = { homing, baseline };
    const f = longTaskFigures(homing);
    console.log(
      `start-up at ${rate}x: long tasks median ${f.longTasksMedian} (${f.longTaskMsMedian} ms), ${f.loadsWithALongTask}/${f.loads} loads with one; ` +
        `first ${CALLS} track(): ${burstFigures(homing).microsPerEventMedian} µs per event`,
    );
  }
  return {
    what:
      `Fresh page (fresh browser context) per load, ${LOADS} loads per rate: long tasks from the stub until Homing is ready ` +
      `(client loaded, worker answering, page view durable), medians over loads; then the page's first ${CALLS} track() calls ` +
      'in one task, timed until the hand-off microtask has run (µs per event, median over pages)',
    loadAverageAtStart: loadAverage,
    loadAverageAtEnd: round(loadavg()[0], 1),
    at1x: { ...longTaskFigures(byRate[1].homing), track: burstFigures(byRate[1].homing) },
    at4x: { ...longTaskFigures(byRate[4].homing), track: burstFigures(byRate[4].homing) },
    withoutHoming: { at1x: longTaskFigures(byRate[1].baseline), at4x: longTaskFigures(byRate[4].baseline) },
    budget: { longTasksMedian: 0, trackMicrosPerEventFirst10k: 2 },
  };
}

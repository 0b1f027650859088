/**
 * `npm run bench`: measures the budgets of docs/budgets.md against the built bundles, in real
 * Chromium (and Firefox and WebKit where engines are compared) and a real collector process, and
 * writes bench/results.json. Speed targets live here, never in timed tests. Every figure comes from
 * this one run; the machines are noisy, so read medians and ratios.
 *
 *   npm run bench                      everything
 *   npm run bench -- --only=collector  one group (track, persist, collector, e2e, engines, drain, load, clickhouse, reports, startup)
 *
 * Groups: `engines` (alias `firefox`, its former name): track() in Chromium, Firefox and WebKit;
 * `drain`: 50,000 and 100,000 events queued offline, then delivered, in each engine
 * (`--drain-engines=chromium,firefox` and `--drain-sizes=50000` narrow it).
 */
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, resolveChromium } from '../test/helpers/browsers.js';
import { freePort } from '../test/helpers/ports.js';
import { stopAll as stopHelperProcesses } from '../test/helpers/process.js';
import { benchMainThread, benchPersist } from './browser.js';
import { benchCollector } from './collector-ingest.js';
import { benchCollectorLoad } from './collector-load.js';
import { benchReports } from './reports.js';
import { benchClickHouseLoad } from './clickhouse-load.js';
import { benchClickHouseReports } from './clickhouse-reports.js';
import { benchEndToEnd } from './e2e-throughput.js';
import { benchDrain } from './drain.js';
import { benchEngines, ENGINES, type Engine } from './engines.js';
import { benchStartup, writeStartupPages } from './startup.js';
import { startProcess, type Started } from './process.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = (arg('only') ?? 'track,persist,collector,e2e,engines,drain,load,clickhouse,reports,startup')
  .split(',')
  // `firefox` was the engines group's name while it compared two engines.
  .map((group) => (group === 'firefox' ? 'engines' : group));
const dir = mkdtempSync(join(tmpdir(), 'homing-bench-'));
const started: Started[] = [];
const results: Record<string, unknown> = {};

/**
 * A collector on a fresh database and the demo site sending to it; both stopped at the end.
 * `root`: the folder of pages the demo server serves instead of the demo's own.
 */
async function startSite(dbName: string, root?: string): Promise<{ origin: string; db: string }> {
  const collectorPort = await freePort();
  const demoPort = await freePort();
  const origin = `http://127.0.0.1:${demoPort}`;
  const db = join(dir, dbName);
  started.push(
    await startProcess(['dist/collector/cli.js', '--port', String(collectorPort), '--db', db, '--origins', origin]),
    await startProcess(['dist/demo/cli.js', '--port', String(demoPort), '--collector', `http://127.0.0.1:${collectorPort}`, ...(root ? ['--root', root] : [])]),
  );
  return { origin, db };
}

try {
  if (only.includes('collector')) {
    results.collector = await benchCollector(dir, started);
  }
  if (only.includes('reports')) {
    // 1,000,000 events in SQLite, then every report timed (median of 5).
    results.reports = await benchReports(dir);
  }
  if (only.includes('load')) {
    // autocannon against the collector and against a bare 204 server: the ratio is the figure.
    results.collectorLoad = await benchCollectorLoad(dir, started);
  }
  if (only.includes('clickhouse')) {
    // ClickHouse through 1, 2, 3 collector processes, next to the embedded store under the same load.
    results.clickhouseLoad = await benchClickHouseLoad(dir, started);
    // The SQLite report bench's 1,000,000 events in ClickHouse, every report timed (median of 5).
    results.clickhouseReports = await benchClickHouseReports();
  }
  if (only.includes('track') || only.includes('persist')) {
    const { origin } = await startSite('browser.sqlite');
    const browser = await chromium.launch({ executablePath: resolveChromium(), args: CHROMIUM_ARGS });
    try {
      if (only.includes('track')) results.mainThread = await benchMainThread(browser, origin);
      if (only.includes('persist')) results.persist = await benchPersist(browser, origin, started[started.length - 2]);
    } finally {
      await browser.close();
    }
  }
  if (only.includes('e2e')) {
    // Its own collector and database: the persist group stops its collector, and the counts here
    // must be this run's alone.
    const { origin, db } = await startSite('e2e.sqlite');
    const browser = await chromium.launch({ executablePath: resolveChromium(), args: CHROMIUM_ARGS });
    try {
      results.endToEnd = await benchEndToEnd(browser, origin, db);
    } finally {
      await browser.close();
    }
  }
  if (only.includes('startup')) {
    // Long tasks while Homing starts on a fresh page, and its first 10,000 track() calls (issue 14).
    const { origin } = await startSite('startup.sqlite', writeStartupPages(dir));
    const browser = await chromium.launch({ executablePath: resolveChromium(), args: CHROMIUM_ARGS });
    try {
      results.startup = await benchStartup(browser, origin);
    } finally {
      await browser.close();
    }
  }
  if (only.includes('engines')) {
    // track() in Chromium, Firefox and WebKit, measured by the same code in each (bench/engines.ts).
    const { origin } = await startSite('engines.sqlite');
    results.engines = await benchEngines(origin);
  }
  if (only.includes('drain')) {
    // A backlog queued offline, then delivered, in each engine: each run starts its own collector,
    // gate and demo site (bench/drain.ts).
    const engines = arg('drain-engines')?.split(',');
    const unknown = engines?.filter((e) => !(ENGINES as readonly string[]).includes(e)) ?? [];
    if (unknown.length > 0) throw new Error(`--drain-engines: unknown ${unknown.join(', ')} (engines: ${ENGINES.join(', ')})`);
    results.drain = await benchDrain(dir, { engines: engines as Engine[] | undefined, sizes: arg('drain-sizes')?.split(',').map(Number) });
  }
} finally {
  for (const p of started) await p.stop();
  // What the test helpers started and still run: WebKit's shared Xvfb, a browser left by a failure.
  await stopHelperProcesses();
  rmSync(dir, { recursive: true, force: true });
}

// A partial run (--only) keeps the other groups' last figures, each with its own date.
let previous: Record<string, unknown> = {};
try {
  previous = JSON.parse(readFileSync('bench/results.json', 'utf8')).results ?? {};
} catch {
  previous = {};
}
const date = new Date().toISOString();
// The code measured: HEAD, and whether the working tree had changes on top of it.
const commit = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
})();
for (const value of Object.values(results)) Object.assign(value as Record<string, unknown>, { measuredAt: date, commit });
const report = {
  date,
  commit,
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  results: { ...previous, ...results },
  sizes: JSON.parse(readFileSync('dist/sizes.json', 'utf8')),
};
writeFileSync('bench/results.json', JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
console.log('written to bench/results.json');

/**
 * `npm run bench`: measures DESIGN.md's budgets against the built bundles, in real Chromium and a
 * real collector process, and writes bench/results.json. Speed targets live here, never in timed
 * tests. Every figure comes from this one run; the machines are noisy, so read medians and ratios.
 *
 *   npm run bench                      everything
 *   npm run bench -- --only=collector  one group (track, persist, collector)
 */
import { chromium } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, resolveChromium } from '../test/helpers/browsers.js';
import { freePort } from '../test/helpers/ports.js';
import { benchMainThread, benchPersist } from './browser.js';
import { benchCollector } from './collector-ingest.js';
import { startProcess, type Started } from './process.js';

const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = (onlyArg ? onlyArg.slice('--only='.length) : 'track,persist,collector').split(',');
const dir = mkdtempSync(join(tmpdir(), 'homing-bench-'));
const started: Started[] = [];
const results: Record<string, unknown> = {};

try {
  if (only.includes('collector')) {
    results.collector = await benchCollector(dir, started);
  }
  if (only.includes('track') || only.includes('persist')) {
    const collectorPort = await freePort();
    const demoPort = await freePort();
    const origin = `http://127.0.0.1:${demoPort}`;
    started.push(
      await startProcess(['dist/collector/cli.js', '--port', String(collectorPort), '--db', join(dir, 'browser.sqlite'), '--origins', origin]),
      await startProcess(['dist/demo/cli.js', '--port', String(demoPort), '--collector', `http://127.0.0.1:${collectorPort}`]),
    );
    const browser = await chromium.launch({ executablePath: resolveChromium(), args: CHROMIUM_ARGS });
    try {
      if (only.includes('track')) results.mainThread = await benchMainThread(browser, origin);
      if (only.includes('persist')) results.persist = await benchPersist(browser, origin, started[started.length - 2]);
    } finally {
      await browser.close();
    }
  }
} finally {
  for (const p of started) await p.stop();
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
for (const value of Object.values(results)) (value as Record<string, unknown>).measuredAt = date;
const report = {
  date,
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  results: { ...previous, ...results },
  sizes: JSON.parse(readFileSync('dist/sizes.json', 'utf8')),
};
writeFileSync('bench/results.json', JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
console.log('written to bench/results.json');

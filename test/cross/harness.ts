/**
 * What every cross-browser scenario sets up: a real collector process (the built bin, on a fresh
 * SQLite file), the faulty proxy in front of it in pass-through mode (a log of every batch request,
 * and `Connection: close` on every answer, so Firefox's global offline switch cannot be bypassed by
 * a kept-alive socket; in WebKit it is also the network cable), the demo server on another port
 * serving the built bundles, and one browser of the three engines (test/helpers/engines.ts). Needs
 * `node build.mjs --no-types` first (npm test builds).
 *
 * Ground truth is the collector's SQLite file; the page's `homing.stats()` says when tracked calls
 * are durable (`unacked === 0`: the service worker committed them), which is the signal to wait for
 * before breaking anything.
 */
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoServer } from '../../demo/server.js';
import { until, type BrowserControl } from '../helpers/browser-control.js';
import { readEvents, startCollector, type Collector, type StoredRow } from '../helpers/collector.js';
import { startEngine, type Engine } from '../helpers/engines.js';
import { wipeScriptStorage } from '../helpers/webkit.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.js';
import type { BrowserName } from '../helpers/launch.js';
import { outboxPending } from '../helpers/idb-readers.js';
import { freePort } from '../helpers/ports.js';
import { trackNumbered, type Tab } from '../helpers/tab.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The event every scenario tracks; `properties.run` names the scenario, `i` numbers the calls. */
export const PROBE = 'cross_probe';

export interface Scenario {
  name: BrowserName;
  origin: string;
  /** The collector's SQLite file: read it with `tally` / `probes`. */
  dbPath: string;
  collector: Collector;
  proxy: FaultyProxy;
  control: BrowserControl;
  /**
   * A new tab on the demo page (`path`: its path and query, default `/`), once the client runs and
   * the service worker controls the page.
   */
  open(path?: string): Promise<Tab>;
  /** SIGKILL the browser, then launch it again on the same profile (needs `profile: true`). */
  crashAndRelaunch(beforeRelaunch?: () => Promise<void>): Promise<void>;
  /**
   * The browser deletes the site's script-written storage and keeps its cookies (Safari's 7-day
   * rule). Chromium and Firefox do it while running; WebKit between a quit and a relaunch on the
   * same profile (needs `profile: true`), through its own data manager.
   */
  wipeSiteStorage(): Promise<void>;
  /** Uncaught errors of Homing's scripts on this origin, as the engine reports them (engines.ts). */
  uncaughtErrors(): Promise<string[]>;
  /** Everything that helps read a failure: the proxy's log and the browser's console lines. */
  diagnostics(): string;
  close(): Promise<void>;
}

export async function startScenario(name: BrowserName, options: { profile?: boolean } = {}): Promise<Scenario> {
  const dir = mkdtempSync(join(tmpdir(), `homing-cross-${name}-`));
  const cleanups: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const later = (fn: () => Promise<unknown>) => cleanups.unshift(fn);
  try {
    const [collectorPort, demoPort] = [await freePort(), await freePort()];
    const origin = `http://127.0.0.1:${demoPort}`;
    const dbPath = join(dir, 'events.sqlite');
    const collector = await startCollector({ port: collectorPort, dir, dbPath, origins: [origin] });
    later(() => collector.stop());
    const proxy = await startFaultyProxy({ target: collector.url });
    later(() => proxy.stop());
    const server: Server = createDemoServer({
      port: demoPort,
      host: '127.0.0.1',
      collector: proxy.url,
      root: join(ROOT, 'demo'),
      bundles: join(ROOT, 'dist/browser'),
    });
    await new Promise<void>((resolve) => server.listen(demoPort, '127.0.0.1', resolve));
    later(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    const userDataDir = options.profile ? join(dir, 'profile') : undefined;
    const launch = () => startEngine(name, { userDataDir, origin, cable: proxy });
    let engine: Engine = await launch();
    // What a killed browser had said: its log and its uncaught errors outlive it.
    const earlierLog: string[] = [];
    const earlierErrors: string[] = [];
    later(() => engine.close());
    /** Stops the browser (`stop`, then a close), runs `between`, and launches it again on the same profile. */
    async function relaunch(what: string, stop: () => Promise<void>, between?: () => Promise<unknown>): Promise<void> {
      if (!userDataDir) throw new Error(`${what} needs startScenario(name, { profile: true })`);
      earlierErrors.push(...(await engine.uncaughtErrors(origin)));
      earlierLog.push(...engine.log());
      await stop();
      await engine.close().catch(() => undefined);
      await between?.();
      engine = await launch();
    }

    const scenario: Scenario = {
      name,
      origin,
      dbPath,
      collector,
      proxy,
      get control() {
        return engine.control;
      },
      async open(path = '/') {
        const tab = await engine.newTab(origin + path);
        await tab.waitFor(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q);
        await tab.waitFor(() => !!navigator.serviceWorker.controller, 15_000);
        return tab;
      },
      async crashAndRelaunch(beforeRelaunch) {
        await relaunch('crashAndRelaunch', () => engine.control.kill(), beforeRelaunch);
      },
      async wipeSiteStorage() {
        if (name !== 'webkit') return engine.control.wipeSiteStorage();
        await relaunch('wiping WebKit site storage', async () => undefined, () => wipeScriptStorage(userDataDir!, origin));
      },
      async uncaughtErrors() {
        return [...earlierErrors, ...(await engine.uncaughtErrors(origin))];
      },
      diagnostics() {
        const requests = proxy.requests().map((r) => `${new Date(r.at).toISOString().slice(11, 23)} ${r.method} ${r.path} → ${r.outcome} ${r.status ?? ''}`);
        return [`proxy log:`, ...requests, `${name} console:`, ...earlierLog, ...engine.log()].join('\n');
      },
      async close() {
        for (const fn of cleanups) await fn().catch(() => undefined);
      },
    };
    return scenario;
  } catch (err) {
    for (const fn of cleanups) await fn().catch(() => undefined);
    throw err;
  }
}

// ── Page helpers ─────────────────────────────────────────────────────────────────────────────────

/** `count` track() calls `{ run, i }` from `from` on: all in one task, or `perTask` calls per task. */
export function track(page: Tab, run: string, from: number, count: number, perTask = count): Promise<void> {
  return page.evaluate(trackNumbered, PROBE, { run }, from, count, perTask);
}

/** Resolves once every call this page made is durable: the service worker committed it. */
export async function durable(page: Tab, timeout = 10_000): Promise<void> {
  await page.waitFor(async () => (await (window as any).homing.stats()).unacked === 0, timeout);
}

export function stats(page: Tab): Promise<any> {
  return page.evaluate(() => (window as any).homing.stats());
}

/** `homing.flush()`: the page asks the service worker to deliver now (a message; it wakes a stopped SW). */
export function flush(page: Tab): Promise<{ delivered: number; pending: number } | null> {
  return page.evaluate(() => (window as any).homing.flush());
}

// ── The collector's database ─────────────────────────────────────────────────────────────────────

export function probes(dbPath: string, run: string): StoredRow[] {
  return readEvents(dbPath).filter((r) => r.event.event === PROBE && r.event.properties?.run === run);
}

export interface Tally {
  /** Numbers `i` expected and not stored. */
  lost: number[];
  /** Numbers `i` stored more than once (as different events: the messageId is the primary key). */
  twice: number[];
  stored: number;
}

/** What the collector stored of calls `0 … count-1` of `run`. */
export function tally(dbPath: string, run: string, count: number): Tally {
  const seen = new Map<number, number>();
  const rows = probes(dbPath, run);
  for (const row of rows) seen.set(row.event.properties.i, (seen.get(row.event.properties.i) ?? 0) + 1);
  const lost: number[] = [];
  for (let i = 0; i < count; i++) if (!seen.has(i)) lost.push(i);
  const twice = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  return { lost, twice, stored: rows.length };
}

/**
 * Waits until every call of `run` is stored; then reports the tally (0 lost and 0 twice expected).
 * With CROSS_TIMINGS=1 it prints how long the wait took (the time from the trigger to delivery).
 */
export async function allStored(dbPath: string, run: string, count: number, timeoutMs = 10_000): Promise<Tally> {
  const started = Date.now();
  await until(() => tally(dbPath, run, count).lost.length === 0, `all ${count} '${run}' events in the collector`, timeoutMs).catch(
    (err: Error) => {
      const t = tally(dbPath, run, count);
      throw new Error(`${err.message}: ${t.lost.length} lost (${t.lost.slice(0, 20).join(', ')}), ${t.twice.length} twice`);
    },
  );
  if (process.env.CROSS_TIMINGS) console.log(`[timing] ${run}: all ${count} stored ${Date.now() - started} ms after the wait began`);
  return tally(dbPath, run, count);
}

/** Events waiting in the outbox (the `pending` counter of the `meta` store), read from the page. */
export { outboxPending, until };

/**
 * The delivery guarantees, proven the same way in real Chromium, real Firefox (no Background Sync)
 * and real WebKit (no Background Sync, no `online` event, no `navigator.storage`, a service worker
 * stopped ~10 s after its last page): every tracked call reaches the collector's database, and
 * none is stored twice, through an outage of the network, of the collector, of the tab, of the
 * browser process and of the service worker, with several tabs, a consent withdrawal and a full
 * storage budget.
 *
 * Each scenario runs once per engine, written once against test/helpers/tab.ts (puppeteer-core for
 * Chromium and Firefox, classic WebDriver for WebKit); the driver differences live in
 * test/helpers/browser-control.ts and engines.ts. What triggers delivery differs by engine, and
 * each test says which triggers it relies on: Chromium has Background Sync on top of the triggers
 * all share (every SW start, every page message, visibility, the page's 30 s timer, the SW's
 * backoff timer while it lives, which probes every 1–5 s while the collector is unreachable);
 * Chromium and Firefox also fire `online`.
 */
import { afterEach, describe, expect, onTestFailed, test } from 'vitest';
import { DEFAULTS } from '../../src/shared/config.js';
import { readEvents, runCollectorCli } from '../helpers/collector.js';
import type { ProxiedRequest } from '../helpers/faulty-proxy.js';
import { readStore } from '../helpers/idb-readers.js';
import { BROWSERS, type BrowserName } from '../helpers/launch.js';
import type { Tab } from '../helpers/tab.js';
import { allStored, durable, flush, outboxPending, probes, startScenario, stats, tally, track, until, type Scenario } from './harness.js';

/** A batch request or its CORS preflight. */
const isBatch = (r: ProxiedRequest) => r.path.startsWith('/v1/batch');
const NONE_LOST_NONE_TWICE = { lost: [], twice: [] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(BROWSERS)('%s', (name: BrowserName) => {
  let current: Scenario | null = null;

  async function start(options: { profile?: boolean } = {}): Promise<Scenario> {
    const s = await startScenario(name, options);
    current = s;
    onTestFailed(() => console.error(`--- ${name} diagnostics ---\n${s.diagnostics()}`));
    return s;
  }

  /** A tab whose first page view is delivered: from here on the service worker is idle. */
  async function settledTab(s: Scenario) {
    const page = await s.open();
    await durable(page);
    await flush(page);
    return page;
  }

  afterEach(async () => {
    await current?.close();
    current = null;
  });

  test('offline, then online: the events wait in the outbox and arrive once the browser is back online', async () => {
    const s = await start();
    const page = await settledTab(s);

    await s.control.setOffline(true);
    const offlineAt = Date.now();
    await track(page, 'offline', 0, 20);
    await durable(page);
    // An explicit attempt while offline fails inside the browser: the service worker's fetch never
    // reaches the proxy (so the offline switch really cut the SW's network, not only the page's).
    const attempt = await flush(page);
    expect(attempt).toMatchObject({ delivered: 0 });
    expect(attempt!.pending).toBeGreaterThanOrEqual(20);
    expect(s.proxy.requests().filter((r) => isBatch(r) && r.at >= offlineAt)).toEqual([]);
    expect(tally(s.dbPath, 'offline', 20).stored).toBe(0);
    expect(await outboxPending(page)).toBeGreaterThanOrEqual(20);

    // Nothing from the test after this: going online is the whole trigger. Chromium: the held
    // Background Sync fires, and the page's `online` event asks the SW. Firefox: the SW's own
    // `online` event and the page's `online` event (it has no Background Sync). WebKit: no event
    // at all; the SW's probe (a try every 1–5 s while unreachable) finds the way back.
    await s.control.setOffline(false);
    const probeBound = DEFAULTS.unreachableRetryMaxMs + 10_000;
    expect(await allStored(s.dbPath, 'offline', 20, probeBound)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 20 });
    await until(async () => (await outboxPending(page)) === 0, 'the outbox to empty');
    expect(await s.uncaughtErrors()).toEqual([]);
  });

  test('collector down, then up: the service worker retries on its own backoff timer', async () => {
    const s = await start();
    const page = await settledTab(s);

    await s.collector.stop();
    const downAt = Date.now();
    await track(page, 'collector-down', 0, 20);
    await durable(page);
    // The SW tried at once (after the persist) and could not reach the collector. (Its preflight or
    // its POST: the proxy resets the connection, and Firefox retries a reset request up to 10 times
    // within milliseconds, all inside one fetch.)
    await s.proxy.waitForRequest((r) => isBatch(r) && r.at >= downAt && r.outcome === 'upstream-error');
    expect(tally(s.dbPath, 'collector-down', 20).stored).toBe(0);

    await s.collector.start();
    const upAt = Date.now();
    // Nothing from the test after this. The SW waits at least 1 s after each failed try, so it
    // failed at most n = 1 + (down time)/1 s times, and after n failures its next try comes at most
    // 1 s·2^(n-1) later, and never more than 5 s later while no answer comes at all (retry-policy.ts,
    // full jitter): that bounds the wait. No page message is sent meanwhile, the page's 30 s timer
    // is further away, and Chromium's Background Sync, which failed once, waits 5 minutes: the
    // delivery comes from the SW's own backoff timer, in every engine. (In Firefox that timer runs
    // only while the SW lives, up to 30 s after the last page message; after that the page's
    // triggers wake it.)
    const failures = 1 + Math.floor((upAt - downAt) / 1000);
    const bound = Math.min(1000 * 2 ** (failures - 1), DEFAULTS.unreachableRetryMaxMs) + 10_000;
    const stored = await allStored(s.dbPath, 'collector-down', 20, bound);
    expect(stored).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 20 });
    expect(await s.uncaughtErrors()).toEqual([]);
  });

  test('closing the tab right after 200 track() calls loses none of them', async () => {
    const s = await start();
    const page = await s.open();
    await durable(page);
    // 190 calls fill whole hand-off batches at once; the last 10 come in a later task and would
    // wait for the worker's 1 s batch timer: only the page's pagehide hand-off to the SW saves them.
    await page.evaluate(async (run) => {
      const h = (window as any).homing;
      for (let i = 0; i < 190; i++) h.track('cross_probe', { run, i });
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 190; i < 200; i++) h.track('cross_probe', { run, i });
    }, 'tab-closed');
    await page.close();
    expect(await allStored(s.dbPath, 'tab-closed', 200, 15_000)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 200 });
    expect(await s.uncaughtErrors()).toEqual([]);
  });

  test('the tab closes while a batch is half settled: no stored event takes a second sequence number, the loss audit finds 0 missing', async () => {
    const s = await start();
    // A debounced event holds its whole hand-off batch unsettled on the page for a minute.
    const page = await s.open(`/?homingConfig=${encodeURIComponent(JSON.stringify({ rules: { held_search: { debounceMs: 60_000 } } }))}`);
    await durable(page);
    await page.evaluate((run) => {
      const h = (window as any).homing;
      for (let i = 0; i < 100; i++) h.track('cross_probe', { run, i });
      h.track('held_search', { q: 'x' });
    }, 'half-settled');
    // The 100 are persisted and delivered while the page still holds the batch as unsettled: its
    // pagehide tail hands all 101 calls to the SW, 100 of them long gone from the outbox.
    expect(await allStored(s.dbPath, 'half-settled', 100)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 100 });
    expect((await stats(page)).unacked).toBeGreaterThan(0);
    await page.close();
    await until(() => readEvents(s.dbPath).filter((r) => r.event.event === 'held_search').length === 1, 'the held event, handed over on pagehide', 15_000);
    // One device, one sequence: every number from 1 to the highest arrived, none twice.
    const seqs = readEvents(s.dbPath).map((r) => r.event.context.homing.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
    const audit = await runCollectorCli(['audit', '--db', s.dbPath, '--from', 'now-1h', '--to', String(Date.now() + 3_600_000), '--max-missing-rate', '0']);
    expect(audit.stdout).toMatch(/missing rate\s+0\.00 %/);
    expect(audit.code).toBe(0);
    expect(await s.uncaughtErrors()).toEqual([]);
  });

  test('SIGKILL of the browser once the events are durable; relaunched on the same profile, the site delivers them', async () => {
    const s = await start({ profile: true });
    const page = await settledTab(s);

    await s.collector.stop();
    await track(page, 'killed', 0, 20);
    await durable(page); // acked = committed to IndexedDB with strict durability
    expect(await outboxPending(page)).toBeGreaterThanOrEqual(20);

    await s.crashAndRelaunch(() => s.collector.start());
    expect(tally(s.dbPath, 'killed', 20).stored).toBe(0);
    if (name === 'firefox') {
      // Firefox cannot deliver before a page of the site is opened: without Background Sync
      // nothing starts a service worker by itself (docs/browser-facts.md "Browser restarts"). Asserted on the real
      // state: after the relaunch no instance of the SW runs.
      expect(await s.control.serviceWorker()).toMatchObject({ running: false });
    }
    // Chromium could deliver at startup through a pending sync, but the one registered here was
    // already tried (collector down) and waits out its 5-minute backoff; both browsers deliver
    // when a page of the site opens: its first message starts the SW, which flushes at start.
    await s.open();
    expect(await allStored(s.dbPath, 'killed', 20)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 20 });
    expect(await s.uncaughtErrors()).toEqual([]);
  });

  test('the service worker stopped while events wait: its next start delivers them', async () => {
    const s = await start();
    const page = await settledTab(s);
    await s.collector.stop();
    await track(page, 'sw-stopped', 0, 20);
    await durable(page);
    if (name === 'webkit') await lastPageClosedInWebKit(s, page);
    else await stoppedByDevTools(s, page);
    expect(await s.uncaughtErrors()).toEqual([]);
  }, 90_000);

  /**
   * Chromium and Firefox: DevTools stop the SW under a living page, and start it with no event for
   * it; the page's worker then finds its port dead and relinks.
   */
  async function stoppedByDevTools(s: Scenario, page: Tab) {
    await s.control.stopServiceWorker();
    const launches = (await s.control.serviceWorker()).launches;
    await s.collector.start();
    // The collector is back but nothing runs to notice: the SW stays stopped (Chromium's sync
    // is in its backoff; Firefox has none) and the events stay in the outbox.
    expect(await s.control.serviceWorker()).toMatchObject({ running: false });
    expect(await outboxPending(page)).toBeGreaterThanOrEqual(20);

    // Start the SW with no event for it (DevTools' way: no page message, no sync): its start-up
    // path alone delivers what the stopped instance left. In Firefox this is workbox's fallback
    // (no SyncManager) together with Homing's own start flush.
    await s.control.startServiceWorker();
    expect(await allStored(s.dbPath, 'sw-stopped', 20)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 20 });
    if (launches !== null) expect((await s.control.serviceWorker()).launches).toBe(launches + 1);

    // The worker's port still leads to the stopped instance, and is dead (silently, in both
    // browsers). The next call waits for an ack, times out, asks the page for a new port, and
    // is stored once.
    await track(page, 'sw-stopped', 20, 1);
    expect(await allStored(s.dbPath, 'sw-stopped', 21, 15_000)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 21 });
    const after = await stats(page);
    expect(after.worker.relinks).toBeGreaterThanOrEqual(1);
    expect(after.unacked).toBe(0);
  }

  /**
   * WebKit: nothing can stop or start a SW from outside, and nothing needs to. It stops the SW by
   * itself ~10 s after the origin's last page closed, which is how events get stranded on an iPhone:
   * the collector comes back while no page is open, and no Background Sync exists to notice.
   */
  async function lastPageClosedInWebKit(s: Scenario, page: Tab) {
    await page.close();
    await sleep(15_000);
    await s.collector.start();
    // A living SW would find the collector within 5 s (its probe while unreachable); nothing came:
    // the SW was stopped, and the events wait in the outbox.
    await sleep(DEFAULTS.unreachableRetryMaxMs + 3_000);
    expect(tally(s.dbPath, 'sw-stopped', 20).stored).toBe(0);
    // The next visit: the page's first message starts the SW, which delivers at start.
    const next = await s.open();
    expect(await allStored(s.dbPath, 'sw-stopped', 20)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 20 });
    await track(next, 'sw-stopped', 20, 1);
    expect(await allStored(s.dbPath, 'sw-stopped', 21)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 21 });
  }

  test('consent withdrawn with 200 events queued during an outage: the outbox is emptied, nothing of them ever arrives', async () => {
    const s = await start();
    const page = await s.open(`/?homingConfig=${encodeURIComponent(JSON.stringify({ consent: {} }))}`);
    await page.evaluate(() => (window as any).homing.consent({ analytics: true }));
    await durable(page);
    await flush(page);
    await until(() => readEvents(s.dbPath).length >= 1, 'the page view, once consent was granted');
    const before = readEvents(s.dbPath).length;

    await s.control.setOffline(true);
    await track(page, 'withdrawn', 0, 200);
    await durable(page);
    expect(await outboxPending(page)).toBe(200);
    await page.evaluate(() => (window as any).homing.consent({ analytics: false }));
    await durable(page);
    await until(async () => (await outboxPending(page)) === 0, 'the withdrawal to purge the outbox');
    expect(((await readStore(page, 'meta', 'counts')) as Record<string, number>).consent).toBe(200);

    await s.control.setOffline(false);
    await track(page, 'withdrawn', 200, 3); // denied now: dropped, never stored
    await flush(page);
    await sleep(DEFAULTS.unreachableRetryMaxMs + 1_000); // any probe that had something would have sent it
    expect(tally(s.dbPath, 'withdrawn', 203).stored).toBe(0);
    expect(readEvents(s.dbPath)).toHaveLength(before);
    expect(await s.uncaughtErrors()).toEqual([]);
  });

  test('over its storage budget the outbox evicts low-priority events first and keeps critical ones, with or without navigator.storage', async () => {
    const s = await start();
    // A budget of 40 events for the test (the default is 100,000), purchases critical.
    const page = await s.open(`/?swParams=${encodeURIComponent('maxEvents=40&priorities={"purchase_completed":"critical"}')}`);
    // WebKit has no navigator.storage by default: the budget then rests on Homing's own counts.
    expect(await page.evaluate(() => typeof navigator.storage?.estimate)).toBe(name === 'webkit' ? 'undefined' : 'function');
    await durable(page);
    await flush(page);
    await s.control.setOffline(true);
    const queue = async (event: string, count: number) => {
      await page.evaluate((event, count) => {
        for (let i = 0; i < count; i++) (window as any).homing.track(event, { i });
      }, event, count);
      await durable(page);
    };
    await queue('scroll_depth', 30); // low priority by default
    await queue('purchase_completed', 15);
    await queue('add_to_cart', 15);
    await until(async () => (await outboxPending(page)) === 40, 'the outbox at its budget of 40');
    await s.control.setOffline(false);
    await flush(page);
    const named = (event: string) => readEvents(s.dbPath).filter((r) => r.event.event === event);
    await until(() => named('purchase_completed').length === 15 && named('add_to_cart').length === 15, 'the kept events', 20_000);
    await until(async () => (await outboxPending(page)) === 0, 'the outbox to empty');
    expect(named('scroll_depth')).toHaveLength(10); // 30 + 15 + 15 = 60: the 20 oldest low ones went
    expect(((await readStore(page, 'meta', 'counts')) as Record<string, number>).evicted).toBe(20);
    expect(await s.uncaughtErrors()).toEqual([]);
  });

  test('the browser wipes the site storage with events waiting: the next visit keeps the device and its sequence, and the loss report counts what went', async () => {
    const s = await start({ profile: true });
    const page = await settledTab(s);
    await track(page, 'wiped', 0, 10);
    await durable(page);
    await flush(page);
    expect(await allStored(s.dbPath, 'wiped', 10)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 10 });

    await s.collector.stop();
    await track(page, 'wiped', 10, 30);
    await durable(page);
    // The answer to a flush refreshes the device's checkpoint cookie: 30 waiting.
    expect(await flush(page)).toMatchObject({ delivered: 0, pending: 30 });
    expect(await page.evaluate(() => document.cookie)).toMatch(/homing_device=[\w-]+\.\d+\.30(;|$)/);
    await page.close();
    await s.wipeSiteStorage();
    await s.collector.start();

    const next = await s.open();
    await track(next, 'wiped', 40, 5);
    await durable(next);
    const flushed = await flush(next);
    // Firefox can leave the service worker that ran during the wipe hung, holding the delivery lock
    // (its IndexedDB requests are never answered): the new one takes the lock over after
    // deliveryLockStealMs (outbox/delivery-lock.ts), so that bounds the wait.
    const bound = DEFAULTS.deliveryLockStealMs + 15_000;
    await until(() => tally(s.dbPath, 'wiped', 45).stored === 15, 'the 15 events that were not wiped', bound).catch(async (err: Error) => {
      const locks = await next.evaluate(async () => JSON.stringify(await navigator.locks.query()));
      throw new Error(`${err.message}; flush answered ${JSON.stringify(flushed)}; stats ${JSON.stringify(await stats(next))}; locks ${locks}`);
    });
    const t = tally(s.dbPath, 'wiped', 45);
    expect(t.lost).toEqual(Array.from({ length: 30 }, (_, k) => 10 + k));
    expect(t.twice).toEqual([]);
    // One device before and after, its sequence continued: the 30 numbers are missing, and the
    // device's manifest says why.
    const rows = readEvents(s.dbPath);
    expect(new Set(rows.map((r) => r.event.anonymousId)).size).toBe(1);
    const seqs = rows.map((r) => r.event.context.homing.seq as number).sort((a, b) => a - b);
    expect(seqs[seqs.length - 1] - seqs.length).toBe(30);
    const audit = await runCollectorCli(['audit', '--db', s.dbPath, '--from', 'now-1h', '--to', String(Date.now() + 3_600_000), '--max-missing-rate', '1']);
    expect(audit.stdout).toMatch(/loss\s+30 missing of/);
    expect(audit.stdout).toMatch(/manifests\s+1 devices: .*wiped 30/);
    expect((await stats(next)).errors).toMatchObject({ 'storage-wiped': 1 });
    expect(await s.uncaughtErrors()).toEqual([]);
  }, 120_000);

  test('three tabs tracking at once: each event stored once, one sequence and one session for the device', async () => {
    const s = await start();
    const tabs = [await s.open(), await s.open(), await s.open()];
    await Promise.all(tabs.map((tab) => durable(tab)));
    // 50 calls per tab, 5 per task, the three tabs interleaved.
    await Promise.all(tabs.map((tab, t) => track(tab, 'tabs', t * 50, 50, 5)));
    await Promise.all(tabs.map((tab) => durable(tab)));
    expect(await allStored(s.dbPath, 'tabs', 150)).toMatchObject({ ...NONE_LOST_NONE_TWICE, stored: 150 });

    const rows = probes(s.dbPath, 'tabs');
    // One device: one anonymous id, one session shared by the tabs, and sequence numbers given
    // once each in the SW's single commit path, whatever tab an event came from.
    expect(new Set(rows.map((r) => r.event.anonymousId)).size).toBe(1);
    expect(new Set(rows.map((r) => r.event.context.homing.sessionId)).size).toBe(1);
    const seqs = rows.map((r) => r.event.context.homing.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(await s.uncaughtErrors()).toEqual([]);
  });
});

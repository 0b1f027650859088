/**
 * Delivery under failure, end to end in Chromium against the built bundles and a real collector
 * process: offline, collector down, the browser closed like a crash, the service worker stopped in
 * the middle of a request, several tabs at once, and Background Sync switched off. In every one
 * each tracked call must be stored exactly once. docs/browser-facts.md says which browser
 * behaviour each scenario leans on.
 */
import type { Page, Route } from '@playwright/test';
import { openDemo, waitForServiceWorker } from './fixtures.js';
import {
  test,
  expect,
  expectStoredOnce,
  ofRun,
  outboxPending,
  trackMany,
  waitDurable,
  waitSettled,
} from './delivery-fixtures.js';
import { recordBatches, type BatchLog } from '../helpers/batch-log.js';
import { dispatchSync, HOMING_SYNC_TAG, syncTags } from '../helpers/background-sync.js';
import { swControl } from '../helpers/sw-control.js';
import { startServiceWorker } from '../helpers/sw-start.js';

/** A failed delivery attempt (connection refused or offline) was seen on the wire. */
async function expectFailedAttempt(batches: BatchLog): Promise<void> {
  await expect.poll(() => batches.requests.some((r) => r.failure !== undefined), { message: 'a failed delivery attempt' }).toBe(true);
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('offline while 1,000 events are tracked: back online, all 1,000 stored once', async ({ page, context, demo, collector, batches }) => {
  await openDemo(page, demo.origin);
  await waitForServiceWorker(page);
  await waitSettled(page, collector);

  await context.setOffline(true);
  await trackMany(page, 'offline', 1000);
  await waitDurable(page, 1000);
  expect(ofRun(collector.events(), 'offline')).toHaveLength(0);

  await context.setOffline(false);
  await expectStoredOnce(collector, 'offline', 1000);
  await expect.poll(() => outboxPending(page)).toBe(0);
  await batches.settled();
  expect(batches.duplicates(), 'events sent again after they were stored').toBe(0);
});

test.describe('collector down while the network is up, then back on the same port', () => {
  test('delivered on the next page visit', async ({ page, context, demo, collector, batches }) => {
    await openDemo(page, demo.origin);
    await waitForServiceWorker(page);
    await waitSettled(page, collector);

    await collector.stop();
    await trackMany(page, 'down-visit', 300);
    await waitDurable(page, 300);
    await expectFailedAttempt(batches);
    // A real browser stops an idle service worker long before a user comes back; stopping it here
    // also drops its in-memory retry timer, so only the visit can be what delivers.
    const sw = await swControl(context, page, demo.origin);
    await sw.stop();
    await collector.start();
    expect(ofRun(collector.events(), 'down-visit')).toHaveLength(0);

    const next = await context.newPage();
    await openDemo(next, demo.origin);
    await expectStoredOnce(collector, 'down-visit', 300);
    await expect.poll(() => outboxPending(next)).toBe(0);
    await batches.settled();
    expect(batches.duplicates(), 'events sent again after they were stored').toBe(0);
    await sw.dispose();
  });

  test(`delivered by a forced Background Sync (${HOMING_SYNC_TAG})`, async ({ page, context, demo, collector, batches }) => {
    await openDemo(page, demo.origin);
    await waitForServiceWorker(page);
    await waitSettled(page, collector);

    await collector.stop();
    await trackMany(page, 'down-sync', 300);
    await waitDurable(page, 300);
    await expectFailedAttempt(batches);
    // The failed attempt must have left a sync for the browser to retry (at +5 min, then +20 min).
    await expect.poll(() => syncTags(page), { message: `a Background Sync registered as ${HOMING_SYNC_TAG}` }).toContain(HOMING_SYNC_TAG);
    // When that retry comes, the service worker has long been stopped: the sync must wake it.
    const sw = await swControl(context, page, demo.origin);
    await sw.stop();
    await collector.start();
    expect(ofRun(collector.events(), 'down-sync')).toHaveLength(0);

    await dispatchSync(context, page, demo.origin, HOMING_SYNC_TAG);
    await expectStoredOnce(collector, 'down-sync', 300);
    await expect.poll(() => outboxPending(page)).toBe(0);
    await batches.settled();
    expect(batches.duplicates(), 'events sent again after they were stored').toBe(0);
    await sw.dispose();
  });
});

test.describe('browser closed like a crash with events in the outbox, relaunched on the same profile', () => {
  test('a sync pending and never attempted (offline): delivered at relaunch with only about:blank open', async ({ profile, demo, collector }) => {
    let context = await profile.launch();
    const page = await context.newPage();
    await openDemo(page, demo.origin);
    await waitForServiceWorker(page);
    await waitSettled(page, collector);

    await context.setOffline(true); // holds the sync: registered, not attempted (docs/browser-facts.md "Background Sync")
    await trackMany(page, 'restart-pending', 200);
    await waitDurable(page, 200);
    await expect.poll(() => syncTags(page), { message: `a Background Sync registered as ${HOMING_SYNC_TAG}` }).toContain(HOMING_SYNC_TAG);
    await context.close(); // a crash: only what IndexedDB committed survives (Q7)

    // The collector is up before the relaunch: Chromium fires the pending sync at startup (Q6).
    context = await profile.launch();
    expect(context.pages().map((p) => p.url())).toEqual(['about:blank']);
    await expectStoredOnce(collector, 'restart-pending', 200);
    expect(context.pages().map((p) => p.url()), 'no page of the origin was opened').toEqual(['about:blank']);
  });

  test('after a failed attempt (collector down): delivered on the next page visit once the collector is back', async ({ profile, demo, collector }) => {
    let context = await profile.launch();
    const batches = recordBatches(context);
    const page = await context.newPage();
    await openDemo(page, demo.origin);
    await waitForServiceWorker(page);
    await waitSettled(page, collector);

    await collector.stop();
    await trackMany(page, 'restart-failed', 200);
    await waitDurable(page, 200);
    await expectFailedAttempt(batches);
    await context.close();

    await collector.start(); // before the relaunch, or a startup sync would fail and back off (Q6)
    context = await profile.launch();
    const next = await context.newPage();
    await openDemo(next, demo.origin);
    await expectStoredOnce(collector, 'restart-failed', 200);
    await expect.poll(() => outboxPending(next)).toBe(0);
  });
});

test.describe('service worker stopped in the middle of a delivery', () => {
  // `batches` only for its log in the report: the held request never ends, so no settled() here.
  test('request held before it reached the collector: nothing lost, nothing stored twice', async ({ page, context, demo, collector, batches: _log }) => {
    await openDemo(page, demo.origin);
    await waitForServiceWorker(page);
    await waitSettled(page, collector);

    const inFlight = deferred<Route>();
    const release = deferred();
    let held = false;
    await context.route('**/v1/batch', async (route) => {
      if (held || route.request().method() !== 'POST') return route.continue();
      held = true;
      inFlight.resolve(route);
      await release.promise;
      await route.continue().catch(() => undefined); // its service worker is gone: nothing to continue
    });
    const sw = await swControl(context, page, demo.origin);

    await trackMany(page, 'stop-before', 600);
    const route = await inFlight.promise;
    expect(route.request().serviceWorker(), 'the batch comes from the service worker').not.toBeNull();
    await waitDurable(page, 600);
    await sw.stop();
    release.resolve();

    // The next thing that wakes the service worker (here the page's flush) delivers what is left.
    await page.evaluate(() => (window as any).homing.flush());
    await expectStoredOnce(collector, 'stop-before', 600);
    await expect.poll(() => outboxPending(page)).toBe(0);
    await sw.dispose();
  });

  test('answer held after the collector stored the batch: the resend is a duplicate, stored once', async ({ page, context, demo, collector, batches }) => {
    await openDemo(page, demo.origin);
    await waitForServiceWorker(page);
    await waitSettled(page, collector);

    const stored = deferred<number>();
    const release = deferred();
    let held = false;
    await context.route('**/v1/batch', async (route) => {
      if (held || route.request().method() !== 'POST') return route.continue();
      held = true;
      const response = await route.fetch(); // the collector stores and answers; the SW does not hear it yet
      const body = (await response.json()) as { accepted: string[] };
      stored.resolve(body.accepted.length);
      await release.promise;
      await route.fulfill({ response }).catch(() => undefined); // too late: its service worker is gone
    });
    const sw = await swControl(context, page, demo.origin);

    await trackMany(page, 'stop-after', 600);
    const accepted = await stored.promise;
    expect(accepted, 'events the collector stored from the held request').toBeGreaterThan(0);
    await waitDurable(page, 600); // the held batch is still in the outbox: its answer never arrived
    await sw.stop();
    release.resolve();

    await page.evaluate(() => (window as any).homing.flush());
    await expectStoredOnce(collector, 'stop-after', 600);
    await expect.poll(() => outboxPending(page)).toBe(0);
    // The resend of the batch whose answer was lost is what the collector called duplicate.
    await expect.poll(() => batches.duplicates(), { message: 'events answered "duplicate" on the resend' }).toBe(accepted);
    await sw.dispose();
  });
});

test('three tabs tracking at once: all 900 stored once, one batch request at a time', async ({ context, demo, collector, batches }) => {
  const pages: Page[] = [];
  for (let t = 0; t < 3; t++) {
    const page = await context.newPage();
    await openDemo(page, demo.origin);
    await waitForServiceWorker(page);
    pages.push(page);
  }
  await waitSettled(pages[2], collector);

  // 30 calls per task every 10 ms in each tab, so the tabs' hand-offs interleave.
  await Promise.all(pages.map((page, t) => trackMany(page, `tab-${t}`, 300, { perTick: 30, tickMs: 10 })));
  for (let t = 0; t < 3; t++) await expectStoredOnce(collector, `tab-${t}`, 300);
  await expect.poll(() => outboxPending(pages[0])).toBe(0);

  await batches.settled();
  expect(batches.requests.length, 'batch requests').toBeGreaterThanOrEqual(2);
  expect(batches.requests.filter((r) => !r.fromServiceWorker), 'batches sent by something else than the service worker').toEqual([]);
  expect(batches.requests.filter((r) => r.overlapping > 0), 'batch requests that started while another was in flight').toEqual([]);
  expect(batches.duplicates(), 'events sent again after they were stored').toBe(0);
});

test.describe('Background Sync switched off (sync=0): the fallback delivers after an outage', () => {
  // The demo page forwards `swParams` into `swUrl: '/homing-sw.js?sync=0'`. Every page of the test
  // needs it: a page without it would register the default script and replace this service worker.
  const FALLBACK = '/?swParams=' + encodeURIComponent('sync=0');

  test('offline, then back online', async ({ page, context, demo, collector, batches }) => {
    await openDemo(page, demo.origin, FALLBACK);
    await waitForServiceWorker(page);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active!.scriptURL)).toContain('sync=0');
    await waitSettled(page, collector);

    await context.setOffline(true);
    await trackMany(page, 'fallback-online', 300);
    await waitDurable(page, 300);
    expect(await syncTags(page), 'no Background Sync with sync=0').not.toContain(HOMING_SYNC_TAG);

    await context.setOffline(false);
    await expectStoredOnce(collector, 'fallback-online', 300);
    await expect.poll(() => outboxPending(page)).toBe(0);
    await batches.settled();
    expect(batches.duplicates(), 'events sent again after they were stored').toBe(0);
  });

  test('collector down, then back: delivered when the service worker next starts, with no page asking', async ({ page, context, demo, collector, batches }) => {
    await openDemo(page, demo.origin, FALLBACK);
    await waitForServiceWorker(page);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active!.scriptURL)).toContain('sync=0');
    await waitSettled(page, collector);

    await collector.stop();
    await trackMany(page, 'fallback-start', 300);
    await waitDurable(page, 300);
    await expectFailedAttempt(batches);
    expect(await syncTags(page), 'no Background Sync with sync=0').not.toContain(HOMING_SYNC_TAG);
    const sw = await swControl(context, page, demo.origin);
    await sw.stop();
    await collector.start();
    expect(ofRun(collector.events(), 'fallback-start')).toHaveLength(0);

    // Without Background Sync the outbox is replayed at every start of the service worker
    // (workbox's forceSyncFallback). Start it with nothing else: no page message, no sync event.
    // (A page's connect or flush message would deliver by itself and hide a broken start path.)
    await startServiceWorker(context, page, demo.origin);
    await expectStoredOnce(collector, 'fallback-start', 300);
    await expect.poll(() => outboxPending(page)).toBe(0);
    await batches.settled();
    expect(batches.duplicates(), 'events sent again after they were stored').toBe(0);
    await sw.dispose();
  });
});

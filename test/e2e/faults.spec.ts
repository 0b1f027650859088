/**
 * Delivery through a faulty network: the page's service worker talks to the real collector through
 * a proxy that loses answers after commit, answers 500 and 429, or passes; and the storage budget.
 */
import type { Page } from '@playwright/test';
import Database from 'better-sqlite3';
import type { FaultyProxy } from '../helpers/faulty-proxy.js';
import { outboxPending, readStore } from '../helpers/idb-readers.js';
import { openDemo, stats, type StoredRow } from './fixtures.js';
import { expect, test } from './faulty-site.js';

const named = (rows: StoredRow[], prefix: string) => rows.filter((r) => r.event.event?.startsWith(prefix));
const batchPosts = (proxy: FaultyProxy) => proxy.requests().filter((r) => r.method === 'POST' && r.path.startsWith('/v1/batch'));

/**
 * Tracks and waits until the events are durable in the outbox. No explicit flush: that asks the SW
 * to deliver at once, skipping the backoff, and these tests watch the SW's own schedule.
 */
async function trackDurably(page: Page, name: string, count: number, extra: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    ({ name, count, extra }) => {
      const h = (window as any).homing;
      for (let i = 0; i < count; i++) h.track(name, { i, ...extra });
    },
    { name, count, extra },
  );
  await expect.poll(async () => (await stats(page)).unacked).toBe(0);
}

test('a response lost after the collector committed: the resend is stored once', async ({ page, site, faulty: proxy, collector }) => {
  await openDemo(page, site.origin);
  await page.evaluate(() => (window as any).homing.flush()); // the page view goes first, untouched
  await expect.poll(() => collector.events().length).toBe(1);
  proxy.fail({ kind: 'cut-after-commit' });
  await trackDurably(page, 'lost_answer', 20);
  // The first attempt was committed, then cut; the SW's backoff timer resends the same ids.
  await expect.poll(() => batchPosts(proxy).filter((r) => r.outcome === 'answered' && r.status === 200).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  const cut = batchPosts(proxy).find((r) => r.outcome === 'cut');
  expect(cut?.upstreamStatus).toBe(200);
  expect(named(collector.events(), 'lost_answer')).toHaveLength(20);
  await expect.poll(() => outboxPending(page)).toBe(0);
});

test('500, then 429 with Retry-After, then 200: retried on schedule and stored once', async ({ page, site, faulty: proxy, collector }) => {
  await openDemo(page, site.origin);
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => collector.events().length).toBe(1);
  proxy.fail({ kind: 'status', status: 500 }, { kind: 'status', status: 429, retryAfter: 2 });
  await trackDurably(page, 'scheduled', 10);
  await expect.poll(() => named(collector.events(), 'scheduled').length, { timeout: 20_000 }).toBe(10);
  const [first, second, third] = batchPosts(proxy).slice(-3);
  expect([first.status, second.status, third.status]).toEqual([500, 429, 200]);
  // Backoff after the 500 is at least the 1 s base; after the 429 the SW waited for Retry-After (2 s).
  expect(second.at - first.at).toBeGreaterThanOrEqual(950);
  expect(third.at - second.at).toBeGreaterThanOrEqual(1950);
  expect(new Set(named(collector.events(), 'scheduled').map((r) => r.messageId)).size).toBe(10);
});

test('3 events the collector rejects among 100: 97 stored, 3 dead-lettered with reasons, never retried', async ({ page, site, faulty: proxy, collector }) => {
  await openDemo(page, site.origin);
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => collector.events().length).toBe(1);
  // The worker validates, so events the collector refuses must come from elsewhere: an older SDK
  // version or a corrupted row. Hand them to the SW the way a worker does, over a port.
  const acked = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const channel = new MessageChannel();
    reg.active!.postMessage({ v: 1, op: 'connect' }, [channel.port2]);
    const events = Array.from({ length: 100 }, (_, i) => ({
      type: 'track',
      event: [10, 50, 90].includes(i) ? 'Not Valid' : 'mixed_batch',
      properties: { i },
      messageId: crypto.randomUUID(),
      anonymousId: 'anon-test',
      timestamp: new Date().toISOString(),
      context: { channel: 'browser', library: { name: 'homing', version: 'test' } },
    }));
    return new Promise<any>((resolve) => {
      channel.port1.onmessage = (e) => resolve(e.data);
      channel.port1.postMessage({ v: 1, op: 'persist', id: 1, events });
    });
  });
  expect(acked).toMatchObject({ op: 'ack', ok: true, stored: 100 });
  await expect.poll(() => named(collector.events(), 'mixed_batch').length, { timeout: 15_000 }).toBe(97);
  await expect.poll(() => outboxPending(page)).toBe(0);
  const dead = await readStore(page, 'deadletter');
  expect(dead).toHaveLength(3);
  expect(dead.map((d: any) => d.event.properties.i).sort((a: number, b: number) => a - b)).toEqual([10, 50, 90]);
  for (const d of dead) expect(d.reason).toContain('/event');
  // Not retried: after another flush no request carries them again.
  const before = batchPosts(proxy).length;
  await page.evaluate(() => (window as any).homing.flush());
  expect(batchPosts(proxy).length).toBe(before);
});

test('over its storage budget the outbox evicts low-priority events first, keeps critical ones, and reports it', async ({ page, site, faulty: proxy, collector }) => {
  // A budget of 40 events for the test (the default is 100,000), purchases marked critical.
  await page.goto(`${site.origin}/?swParams=${encodeURIComponent('maxEvents=40&priorities={"purchase_completed":"critical"}')}`);
  await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q);
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => collector.events().length).toBe(1);
  proxy.setDefault({ kind: 'status', status: 503 }); // the collector is unreachable for a while
  await trackDurably(page, 'scroll_depth', 30, { percent: 25 }); // low priority by default
  await trackDurably(page, 'purchase_completed', 15, { order_id: 'o' });
  await trackDurably(page, 'add_to_cart', 15);
  await expect.poll(() => outboxPending(page)).toBe(40);
  proxy.setDefault({ kind: 'pass' });
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => named(collector.events(), 'purchase_completed').length, { timeout: 15_000 }).toBe(15);
  await expect.poll(() => outboxPending(page)).toBe(0);
  expect(named(collector.events(), 'add_to_cart')).toHaveLength(15);
  expect(named(collector.events(), 'scroll_depth')).toHaveLength(10); // 30 + 15 + 15 = 60: the 20 oldest low ones went
  // The loss manifest reached the collector with the evictions counted.
  const deviceId = collector.events()[0].event.anonymousId;
  const manifest = new Database(collector.dbPath, { readonly: true }).prepare('SELECT counts FROM loss_manifests WHERE device_id = ?').get(deviceId) as { counts: string };
  expect(JSON.parse(manifest.counts)).toMatchObject({ evicted: 20 });
});

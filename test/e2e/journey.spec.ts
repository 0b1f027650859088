/**
 * One event's whole journey through real parts: page → comlink → worker → port → service worker →
 * IndexedDB outbox → fetch → collector → SQLite, and the receipts back.
 */
import { test, expect, openDemo, stats, waitForServiceWorker, type StoredRow } from './fixtures.js';
import { countRows } from '../helpers/idb-readers.js';
import { swControl } from '../helpers/sw-control.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function withNonce(rows: StoredRow[], nonce: string): StoredRow[] {
  return rows.filter((r) => r.event.properties?.nonce === nonce);
}

test('one track() lands in the collector database exactly once, in the wire format', async ({ page, context, demo, collector }) => {
  const swBatches: string[] = [];
  context.on('request', (req) => {
    if (req.url().endsWith('/v1/batch') && req.method() === 'POST' && req.serviceWorker()) swBatches.push(req.url());
  });
  await openDemo(page, demo.origin, '/?utm_source=newsletter&utm_medium=email&utm_campaign=launch');
  await waitForServiceWorker(page);

  const before = Date.now();
  await page.evaluate(() => (window as any).homing.track('page_viewed', { nonce: 'n-1', price: 12.5 }));
  const result = await page.evaluate(() => (window as any).homing.flush());
  expect(result).not.toBeNull();

  await expect.poll(() => withNonce(collector.events(), 'n-1').length).toBe(1);
  const [row] = withNonce(collector.events(), 'n-1');
  const e = row.event;

  // The event shape of the wire format (docs/how-it-works.md).
  expect(e.type).toBe('track');
  expect(e.event).toBe('page_viewed');
  expect(e.properties).toEqual({ nonce: 'n-1', price: 12.5 });
  expect(e.messageId).toMatch(UUID_V7);
  expect(row.messageId).toBe(e.messageId);
  expect(e.anonymousId).toEqual(expect.any(String));
  expect(e.timestamp).toMatch(ISO);
  expect(Date.parse(e.timestamp)).toBeGreaterThanOrEqual(before - 1000);
  expect(e.sentAt).toMatch(ISO);
  expect(e.receivedAt).toMatch(ISO);
  expect(e.context.channel).toBe('browser');
  expect(e.context.library).toEqual({ name: 'homing', version: expect.any(String) });
  expect(e.context.page.url).toBe(`${demo.origin}/?utm_source=newsletter&utm_medium=email&utm_campaign=launch`);
  expect(e.context.page.path).toBe('/');
  expect(e.context.page.title).toBe('Homing demo shop');
  expect(e.context.campaign).toEqual({ source: 'newsletter', medium: 'email', name: 'launch' });
  expect(e.context.userAgent).toContain('Chrome');
  expect(e.context.locale).toEqual(expect.any(String));
  expect(e.context.timezone).toEqual(expect.any(String));
  expect(e.context.screen).toEqual({ width: expect.any(Number), height: expect.any(Number), density: expect.any(Number) });
  expect(Number.isInteger(e.context.homing.seq)).toBe(true);
  expect(e.context.homing.seq).toBeGreaterThanOrEqual(1);

  // Delivered by the service worker, and the outbox deleted what the receipt settled.
  expect(swBatches.length).toBeGreaterThanOrEqual(1);
  await expect.poll(() => countRows(page, 'outbox')).toBe(0); // segments, read from the page
  const s = await stats(page);
  expect(s.unacked).toBe(0);
  expect(s.acked).toBe(s.captured);
  // stats().outbox: the origin's outbox, read by the worker from IndexedDB.
  expect(s.outbox).toMatchObject({ pending: 0, rejected: 0, deadLetter: 0 });
  expect(s.outbox.delivered).toBe(collector.events().length);
  expect(s.outbox.stored).toBe(s.outbox.delivered);

  // Still exactly once after a reload and another delivery round.
  await page.reload();
  await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function');
  await page.evaluate(() => (window as any).homing.flush());
  expect(withNonce(collector.events(), 'n-1')).toHaveLength(1);
});

test('the stub queues calls made before the client loads and keeps their capture time', async ({ page, demo, collector }) => {
  // Hold the client module back so the calls below hit the stub.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/homing.js', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(demo.origin + '/', { waitUntil: 'domcontentloaded' }); // `load` would wait for the held module
  const stubbedAt = await page.evaluate(() => {
    const h = (window as any).homing;
    h.track('early_call', { nonce: 'stub-1', order: 1 });
    h.track('early_call', { nonce: 'stub-1', order: 2 });
    return { at: Date.now(), queued: h.q.length };
  });
  expect(stubbedAt.queued).toBeGreaterThanOrEqual(2);
  await page.waitForTimeout(50); // a measurable gap between the stub's capture time and the replay
  release();
  await page.waitForFunction(() => !(window as any).homing.q);
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => withNonce(collector.events(), 'stub-1').length).toBe(2);
  const rows = withNonce(collector.events(), 'stub-1').sort((a, b) => a.event.properties.order - b.event.properties.order);
  // The client's capture time (the collector keeps it as originalTimestamp and skew-corrects
  // `timestamp`) is the stub's, from before the 50 ms gap, not the replay's.
  for (const row of rows) expect(Date.parse(row.event.originalTimestamp)).toBeLessThanOrEqual(stubbedAt.at);
  // Minted in call order: UUIDv7s sort like their capture order, and so do the sequence numbers.
  expect(rows[0].messageId < rows[1].messageId).toBe(true);
  expect(rows[0].event.context.homing.seq).toBeLessThan(rows[1].event.context.homing.seq);
});

test('a stopped service worker: the worker times out, relinks, and the event still lands', async ({ page, context, demo, collector }) => {
  await openDemo(page, demo.origin);
  await waitForServiceWorker(page);
  await page.evaluate(() => (window as any).homing.track('before_stop', { nonce: 'sw-1' }));
  await expect.poll(() => withNonce(collector.events(), 'sw-1').length).toBe(1);

  const sw = await swControl(context, page, demo.origin);
  await sw.stop(); // the worker's port now leads nowhere, silently
  await page.evaluate(() => (window as any).homing.track('after_stop', { nonce: 'sw-2' }));
  await expect.poll(() => withNonce(collector.events(), 'sw-2').length, { timeout: 20_000 }).toBe(1);
  const s = await stats(page);
  expect(s.worker.relinks).toBeGreaterThanOrEqual(1);
  expect(s.unacked).toBe(0);
  await sw.dispose();
});

test('without service workers the worker keeps and delivers the events itself', async ({ browser, demo, collector }) => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await openDemo(page, demo.origin);
  await page.evaluate(() => (window as any).homing.track('no_sw', { nonce: 'nosw-1' }));
  await expect.poll(() => withNonce(collector.events(), 'nosw-1').length, { timeout: 15_000 }).toBe(1);
  const s = await stats(page);
  expect(s.errors['sw-unavailable']).toBeGreaterThanOrEqual(1);
  expect(s.unacked).toBe(0);
  expect(errors).toEqual([]); // nothing was thrown into the page
  await context.close();
});

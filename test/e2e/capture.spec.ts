/**
 * Capture, end to end in Chromium: autocapture, SPA page views, campaigns, dataLayer, validation,
 * values that cannot be cloned, and closing the tab right after tracking.
 */
import { readStore } from '../helpers/idb-readers.js';
import { test, expect, openDemo, stats, waitForServiceWorker, type StoredRow } from './fixtures.js';

const byEvent = (rows: StoredRow[], name: string) => rows.filter((r) => r.event.event === name);
const pages = (rows: StoredRow[]) => rows.filter((r) => r.event.type === 'page');

test('a click on a data-track element is tracked with its data-track-* properties', async ({ page, demo, collector }) => {
  await openDemo(page, demo.origin);
  await page.click('#wishlist span'); // a child of the marked element: delegation finds the marker
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => byEvent(collector.events(), 'add_to_wishlist').length).toBe(1);
  expect(byEvent(collector.events(), 'add_to_wishlist')[0].event.properties).toEqual({ product_id: 'sku-2', price: 129 });
});

test('page views: one on load, one per SPA navigation, each with its own page context', async ({ page, demo, collector }) => {
  await openDemo(page, demo.origin, '/?utm_source=news&utm_medium=email&utm_campaign=spring');
  await page.evaluate(() => history.pushState({}, '', '/products/sku-1'));
  await page.evaluate(() => history.pushState({}, '', '/products/sku-1')); // same URL: no new page view
  await page.evaluate(() => history.replaceState({}, '', '/cart'));
  await page.evaluate(() => (window as any).homing.track('checkout_started', {}));
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => pages(collector.events()).length).toBe(3);
  const paths = pages(collector.events()).map((r) => r.event.context.page.path).sort();
  expect(paths).toEqual(['/', '/cart', '/products/sku-1']);
  // The campaign of the landing page is the session's: later events without UTM still carry it.
  const [checkout] = byEvent(collector.events(), 'checkout_started');
  expect(checkout.event.context.page.path).toBe('/cart');
  expect(checkout.event.context.campaign).toEqual({ source: 'news', medium: 'email', name: 'spring' });
  expect(checkout.event.context.homing.firstTouch).toEqual({ source: 'news', medium: 'email', name: 'spring' });
  const sessions = new Set(collector.events().map((r) => r.event.context.homing.sessionId));
  expect(sessions.size).toBe(1);
  const sessionSeqs = collector.events().map((r) => r.event.context.homing.sessionSeq).sort((a, b) => a - b);
  expect(sessionSeqs).toEqual([1, 2, 3, 4]);
});

test('screen views: screen(name, properties) and screen({ name, ... }) arrive as Segment screen events, in the session of the page view', async ({ page, demo, collector }) => {
  await openDemo(page, demo.origin);
  await page.evaluate(async () => {
    const h = (window as any).homing;
    h.screen('Checkout', { step: 2 });
    h.screen({ name: 'Order Placed', total_value: 42 });
    await h.flush();
  });
  const screens = () => collector.events().filter((r) => r.event.type === 'screen');
  await expect.poll(() => screens().length).toBe(2);
  const sent = screens().sort((a, b) => a.event.context.homing.seq - b.event.context.homing.seq).map((r) => r.event);
  expect(sent.map((e) => [e.name, e.properties, e.event])).toEqual([
    ['Checkout', { step: 2 }, undefined],
    ['Order Placed', { total_value: 42 }, undefined],
  ]);
  expect(sent[0].context).toMatchObject({ channel: 'browser', page: { path: '/' } });
  // The same session as the page view on load, after it.
  const [view] = pages(collector.events());
  expect(sent.map((e) => e.context.homing.sessionId)).toEqual([view.event.context.homing.sessionId, view.event.context.homing.sessionId]);
  expect(sent.map((e) => e.context.homing.sessionSeq)).toEqual([2, 3]);
});

test('dataLayer pushes made before and after the runtime loaded both become track calls', async ({ page, demo, collector }) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/homing.js', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(demo.origin + '/', { waitUntil: 'domcontentloaded' });
  await page.evaluate(() => {
    const w = window as any;
    w.dataLayer = w.dataLayer || [];
    w.dataLayer.push({ event: 'gtm.js' }); // GTM's own: not a Homing event
    w.dataLayer.push({ event: 'add_to_cart', product_id: 'sku-1', when: 'before' });
  });
  release();
  await page.waitForFunction(() => !(window as any).homing.q);
  await page.waitForFunction(() => (window as any).dataLayer.push !== Array.prototype.push);
  await page.evaluate(() => (window as any).dataLayer.push({ event: 'add_to_cart', product_id: 'sku-2', when: 'after' }));
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => byEvent(collector.events(), 'add_to_cart').length).toBe(2);
  const props = byEvent(collector.events(), 'add_to_cart').map((r) => r.event.properties).sort((a, b) => a.when.localeCompare(b.when));
  expect(props).toEqual([
    { product_id: 'sku-2', when: 'after' },
    { product_id: 'sku-1', when: 'before' },
  ]);
  expect(collector.events().some((r) => r.event.event === 'gtm.js')).toBe(false);
  expect(await page.evaluate(() => (window as any).dataLayer.length)).toBe(3); // the array still works for GTM
});

test('an invalid event is quarantined with its reason while the valid events of the burst arrive', async ({ page, demo, collector }) => {
  await openDemo(page, demo.origin);
  const reported = await page.evaluate(async () => {
    const h = (window as any).homing;
    const codes: string[] = [];
    h.onError((code: string) => codes.push(code));
    h.track('valid_one', { n: 1 });
    h.track('Not Snake Case', { n: 2 });
    h.track('valid_two', { n: 3 });
    h.track('valid_three', { fn: () => 1 }); // cannot be cloned: dropped alone
    h.track('valid_four', { n: 4 });
    await h.flush();
    return codes;
  });
  await expect.poll(() => collector.events().filter((r) => r.event.event?.startsWith('valid_')).length).toBe(3);
  expect(collector.events().map((r) => r.event.event).filter(Boolean).sort()).toEqual(['valid_four', 'valid_one', 'valid_two']);
  expect(reported).toEqual(expect.arrayContaining(['invalid-event', 'not-cloneable']));
  const s = await stats(page);
  expect(s.invalid).toBe(1);
  expect(s.errors['not-cloneable']).toBe(1);
  expect(s.unacked).toBe(0);
  const quarantined: any[] = await readStore(page, 'quarantine');
  expect(quarantined).toHaveLength(1);
  expect(quarantined[0].event.event).toBe('Not Snake Case');
  expect(quarantined[0].reason).toContain('/event');
});

test('closing the tab 5 ms after the last of 200 track() calls loses none of them', async ({ context, demo, collector }) => {
  const page = await context.newPage();
  await openDemo(page, demo.origin);
  await waitForServiceWorker(page);
  // The service worker must already control the page for the hand-off to reach it.
  await page.waitForFunction(() => !!navigator.serviceWorker.controller);
  // 190 calls fill whole hand-off batches of 50 at once; the last 10 come in a later task, so
  // they would wait for the worker's 1 s batch timer: only the pagehide path can save them.
  await page.evaluate(async () => {
    const h = (window as any).homing;
    for (let i = 0; i < 190; i++) h.track('burst_event', { i });
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 190; i < 200; i++) h.track('burst_event', { i });
  });
  await page.waitForTimeout(5);
  await page.close();
  await expect.poll(() => byEvent(collector.events(), 'burst_event').length, { timeout: 20_000 }).toBe(200);
  const seen = byEvent(collector.events(), 'burst_event').map((r) => r.event.properties.i).sort((a, b) => a - b);
  expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
});

test('debounce and throttle rules drop the over-counted calls and count them', async ({ page, demo, collector }) => {
  await openDemo(page, demo.origin); // the demo configures search_typed (debounce 300 ms) and slider_moved (throttle 500 ms)
  await page.evaluate(async () => {
    const h = (window as any).homing;
    for (const q of ['r', 'ra', 'rai', 'rain']) h.track('search_typed', { q });
    for (let i = 0; i < 5; i++) h.track('slider_moved', { value: i });
    await h.flush();
  });
  await expect.poll(() => byEvent(collector.events(), 'search_typed').length).toBe(1);
  expect(byEvent(collector.events(), 'search_typed')[0].event.properties).toEqual({ q: 'rain' });
  expect(byEvent(collector.events(), 'slider_moved').map((r) => r.event.properties)).toEqual([{ value: 0 }]);
  const s = await stats(page);
  expect(s.debounced).toBe(3);
  expect(s.throttled).toBe(4);
});

test('reset() starts a new anonymous id and session; identify() names later events', async ({ page, demo, collector }) => {
  await openDemo(page, demo.origin);
  await page.evaluate(async () => {
    const h = (window as any).homing;
    h.identify('user-1', { plan: 'pro' });
    h.track('as_user', {});
    h.reset();
    h.track('after_reset', {});
    await h.flush();
  });
  await expect.poll(() => byEvent(collector.events(), 'after_reset').length).toBe(1);
  const [asUser] = byEvent(collector.events(), 'as_user');
  const [after] = byEvent(collector.events(), 'after_reset');
  expect(asUser.event.userId).toBe('user-1');
  expect(after.event.userId).toBeUndefined();
  expect(after.event.anonymousId).not.toBe(asUser.event.anonymousId);
  expect(after.event.context.homing.sessionId).not.toBe(asUser.event.context.homing.sessionId);
  expect(after.event.context.homing.sessionSeq).toBe(1);
});

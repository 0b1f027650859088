/**
 * The demo shop, driven as a shopper would, against a real collector started with
 * `--demo-controls`: browse from a campaign link, view products, play the video, add to the
 * wishlist and the cart, switch the collector "down", buy, watch the panel show the events piling
 * up in the outbox, switch it back and watch them drain; then every event must be stored once.
 *
 * It also takes the pictures of the README and docs/demo.md: docs/demo.png (desktop) and docs/demo-phone.png
 * (written there with HOMING_UPDATE_SCREENSHOTS=1, else to test-results/screenshots/: test/helpers/screenshots.ts).
 */
import type { Page } from '@playwright/test';
import { screenshotPath } from '../helpers/screenshots.js';
import { test, expect, openDemo, stats } from './fixtures.js';

test.use({ collectorArgs: ['--demo-controls'] });

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** A number the live panel shows. */
async function panelNumber(page: Page, name: string): Promise<number> {
  return Number(await page.locator(`[data-stat="${name}"]`).textContent());
}

/** Opens the shop and waits for the real client and the shop's own service worker. */
async function openShop(page: Page, origin: string): Promise<void> {
  await openDemo(page, origin, '/shop/');
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.scriptURL.includes('/shop/sw.js'));
}

test('a shopper buys while the collector is down: the panel shows the pile-up and the drain, every event lands once', async ({ page, demo, collector }) => {
  test.setTimeout(90_000);
  await page.setViewportSize(DESKTOP);
  await openShop(page, demo.origin);
  await expect(page.locator('[data-outage="up"]')).toBeVisible(); // the panel reached the switch

  // Browse: the newsletter's campaign link, the tent's page, its video, the wishlist, the cart.
  await page.click('#campaign-link');
  await expect(page.locator('.detail h1')).toHaveText('Two-person tent');
  await page.click('button.play');
  await page.click('.detail [data-track="add_to_wishlist"] span'); // autocapture: marked button, no code
  await page.click('.detail [data-cart-add]'); // autocapture too
  await page.click('.bar nav >> text=Shop');
  await page.click('.card h3 a >> text=Trail shoes');
  await expect(page.locator('.detail h1')).toHaveText('Trail shoes');
  await page.click('.detail [data-cart-add]');
  await page.click('#cart-link');
  await expect(page.locator('#cart-total')).toHaveText('€338.00');

  // Everything so far reaches the collector, and the panel says so.
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => panelNumber(page, 'outbox')).toBe(0);
  await expect.poll(async () => collector.events().length).toBe((await stats(page)).captured);
  const beforeOutage = collector.events().length;
  await expect.poll(() => panelNumber(page, 'delivered')).toBe(beforeOutage);

  // The collector goes down; the shopper checks out anyway. The switch is operated as a person
  // does, through its label: a control covered by another element fails here.
  const outage = page.getByLabel('Collector outage');
  await outage.check();
  await expect(page.locator('[data-outage="down"]')).toBeVisible();
  await expect(page.locator('#outage-state')).toHaveText(/down/);
  await page.click('#to-checkout');
  await page.click('#place-order');
  const orderId = (await page.locator('#order-id').textContent())!;
  expect(orderId).toMatch(/^ord-/);

  // The purchase and the page views around it wait in the outbox, refused by the "down" collector.
  await expect.poll(async () => (await stats(page)).unacked).toBe(0); // all durable in IndexedDB
  const captured = (await stats(page)).captured;
  const waiting = captured - beforeOutage;
  expect(waiting).toBe(3); // checkout page view, order page view, purchase_completed
  await expect.poll(() => panelNumber(page, 'outbox'), { timeout: 15_000 }).toBe(waiting);
  await expect
    .poll(async () => (await (await fetch(`${collector.url}/demo/outage`)).json()).refused, { timeout: 15_000 })
    .toBeGreaterThan(0); // the service worker did try, and got 503
  expect(collector.events().length).toBe(beforeOutage);
  expect(await panelNumber(page, 'delivered')).toBe(beforeOutage);

  await page.screenshot({ path: screenshotPath('demo.png') });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: screenshotPath('demo-phone.png'), fullPage: true });
  await page.setViewportSize(DESKTOP);

  // Back up: the outbox drains by itself (the SW honours the 503's Retry-After, then resends).
  // Clicking the label's text toggles it too.
  await page.getByText('Collector outage', { exact: true }).click();
  await expect(outage).not.toBeChecked();
  await expect(page.locator('[data-outage="up"]')).toBeVisible();
  await expect.poll(() => panelNumber(page, 'outbox'), { timeout: 20_000 }).toBe(0);
  await expect.poll(() => collector.events().length, { timeout: 20_000 }).toBe(captured);
  // The panel says what the outage just over refused: the collector's count for that outage.
  const refused = (await (await fetch(`${collector.url}/demo/outage`)).json()).refused as number;
  expect(refused).toBeGreaterThan(0);
  await expect(page.locator('#outage-state')).toHaveText(`(up; the last outage refused ${refused} request${refused === 1 ? '' : 's'})`);

  // Every event once: as many stored rows as calls made, each messageId once.
  const rows = collector.events();
  expect(new Set(rows.map((r) => r.messageId)).size).toBe(rows.length);
  expect(rows.length).toBe(captured);
  const named = (name: string) => rows.filter((r) => r.event.event === name);
  expect(named('product_viewed').map((r) => r.event.properties.product_id)).toEqual(['sku-6', 'sku-1']);
  expect(named('video_started')).toHaveLength(1);
  expect(named('add_to_wishlist').map((r) => r.event.properties)).toEqual([{ product_id: 'sku-6', price: 249 }]);
  expect(named('add_to_cart').map((r) => r.event.properties.product_id)).toEqual(['sku-6', 'sku-1']);
  const purchases = named('purchase_completed');
  expect(purchases).toHaveLength(1);
  expect(purchases[0].event.properties).toEqual({
    order_id: orderId,
    total_value: 338,
    currency: 'EUR',
    items: [
      { product_id: 'sku-6', name: 'Two-person tent', price: 249, quantity: 1 },
      { product_id: 'sku-1', name: 'Trail shoes', price: 89, quantity: 1 },
    ],
  });
  // The campaign link's UTM parameters are the campaign of what happened on the page it opened.
  expect(named('product_viewed')[0].event.context.campaign).toEqual({ source: 'newsletter', medium: 'email', name: 'spring_sale' });
  expect(rows.filter((r) => r.event.type === 'page').map((r) => r.event.context.page.path)).toEqual([
    '/shop/',
    '/shop/product/sku-6',
    '/shop/',
    '/shop/product/sku-1',
    '/shop/cart',
    '/shop/checkout',
    `/shop/order/${orderId}`,
  ]);
  // The panel's receipts add up to what the collector holds.
  await expect.poll(async () => (await panelNumber(page, 'delivered')) + (await panelNumber(page, 'duplicates'))).toBe(rows.length);
  expect(await panelNumber(page, 'rejected')).toBe(0);
  expect((await stats(page)).errors).toEqual({});
});

test('the shop is an installable PWA whose shell opens offline from its precache', async ({ page, demo }) => {
  await openShop(page, demo.origin);
  // The manifest and its icons, as a browser's install check reads them.
  const manifest = await (await fetch(`${demo.origin}/shop/manifest.webmanifest`)).json();
  expect(manifest).toMatchObject({ start_url: '/shop/', scope: '/shop/', display: 'standalone' });
  for (const icon of manifest.icons as Array<{ src: string; sizes: string }>) {
    const res = await fetch(`${demo.origin}${icon.src}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    const [w, h] = icon.sizes.split('x').map(Number);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([w, h]);
  }
  // Active means installed, and install waits for the precache; claim() then takes the page.
  await page.waitForFunction(() => !!navigator.serviceWorker.controller);
  // One service worker: the shop's, with Homing inside it (the page config says swUrl: false).
  const scripts = await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.active?.scriptURL ?? ''));
  expect(scripts).toEqual([expect.stringContaining('/shop/sw.js?collector=')]);

  await page.context().setOffline(true);
  await page.goto(`${demo.origin}/shop/product/sku-3`); // a deep link: the SW answers with the shell
  await expect(page.locator('.detail h1')).toHaveText('Head torch');
  await expect(page.locator('#panel')).toBeVisible();
  const styled = await page.locator('.bar').evaluate((el) => getComputedStyle(el).position);
  expect(styled).toBe('sticky'); // shop.css came from the precache too

  // Tracking works on a page opened offline: the worker starts although Chromium does not hand its
  // script request to the service worker (the client starts it from the cached script instead),
  // and the events are committed to the outbox, waiting for the network.
  await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q);
  await page.evaluate(() => (window as any).homing.track('offline_probe', { n: 1 }));
  await expect.poll(async () => (await page.evaluate(() => (window as any).homing.stats())).unacked).toBe(0);
  const offline = await page.evaluate(() => (window as any).homing.stats());
  expect(offline.acked).toBe(offline.captured);
  expect(offline.errors).toEqual({});
  expect(offline.outbox.pending).toBeGreaterThanOrEqual(1);
  await page.context().setOffline(false);
});

/**
 * A site that already has a service worker (it precaches its shell) merges Homing's SW module into
 * it with one `importScripts`; the client then registers nothing itself (`swUrl: false`).
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createDemoServer } from '../../demo/server.js';
import { freePort } from '../helpers/ports.js';
import { test, expect } from './fixtures.js';

test("Homing inside the site's own service worker: events delivered, the site's precache intact", async ({ page, collector, ports }) => {
  // The collector allows the demo port's origin; serve the site there.
  const server: Server = createDemoServer({ port: ports.demo, host: '127.0.0.1', collector: collector.url, root: 'test/e2e/site', bundles: 'dist/browser', swUrl: false });
  await new Promise<void>((resolve) => server.listen(ports.demo, '127.0.0.1', resolve));
  try {
    const origin = `http://127.0.0.1:${ports.demo}`;
    await page.goto(`${origin}/?collector=${encodeURIComponent(collector.url)}`);
    await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.scriptURL.includes('/site-sw.js'));
    await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q);
    await page.evaluate(() => (window as any).homing.track('merged_sw_event', { ok: true }));
    await page.evaluate(() => (window as any).homing.flush());
    await expect.poll(() => collector.events().filter((r) => r.event.event === 'merged_sw_event').length).toBe(1);
    // The site's own work still happens: its shell is in its cache.
    const cached = await page.evaluate(async () => {
      const cache = await caches.open('site-shell-v1');
      const res = await cache.match('/precached.txt');
      return res ? res.text() : null;
    });
    expect(cached).toContain('precached by the site');
    // Only the site's SW is registered: Homing did not register its own next to it.
    const scripts = await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.active?.scriptURL ?? ''));
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toContain('/site-sw.js');
    expect((await page.evaluate(() => (window as any).homing.stats())).errors).toEqual({});
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('the standalone service worker registers no fetch listener (it would eat pagehide beacons)', () => {
  const sw = readFileSync('dist/browser/homing-sw.js', 'utf8');
  expect(sw.length).toBeGreaterThan(1000);
  expect(sw).not.toMatch(/addEventListener\(\s*["'`]fetch["'`]/);
  expect(sw).not.toMatch(/\bonfetch\s*=/);
  expect(sw).toMatch(/addEventListener\(\s*["'`]message["'`]/); // the check would see a listener if there were one
});

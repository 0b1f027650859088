/**
 * A collector that requires write keys: the SDK configured with the site's key delivers (through
 * the service worker, the key travels in its registration URL and in every batch body), and a page
 * without it gets nothing stored and its batches answered 401.
 */
import { test, expect, openDemo, stats, waitForServiceWorker } from './fixtures.js';

const WRITE_KEY = 'site-write-key-0123456789';

test.use({ collectorArgs: ['--write-keys', WRITE_KEY] });

test('with the write key configured, events are delivered to a collector that requires one', async ({ page, demo, collector }) => {
  const config = encodeURIComponent(JSON.stringify({ writeKey: WRITE_KEY }));
  await openDemo(page, demo.origin, `/?homingConfig=${config}`);
  await waitForServiceWorker(page);
  await page.evaluate(() => (window as any).homing.track('key_checked', { nonce: 'wk-1' }));
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => collector.events().filter((r) => r.event.properties?.nonce === 'wk-1').length).toBe(1);
  const [row] = collector.events().filter((r) => r.event.properties?.nonce === 'wk-1');
  // The key is a credential of the request (a field of the batch body), not part of the stored event.
  expect(row.event).not.toHaveProperty('writeKey');
  expect(row.event.context).not.toHaveProperty('writeKey');
});

test('without the write key, the collector answers 401 and stores nothing', async ({ page, demo, collector }) => {
  const statuses: number[] = [];
  page.context().on('response', (res) => {
    if (res.url().endsWith('/v1/batch') && res.request().method() === 'POST') statuses.push(res.status());
  });
  await openDemo(page, demo.origin, '/');
  await waitForServiceWorker(page);
  await page.evaluate(() => (window as any).homing.track('key_checked', { nonce: 'wk-2' }));
  await page.evaluate(() => (window as any).homing.flush());
  await expect.poll(() => statuses.length).toBeGreaterThan(0);
  expect(statuses[0]).toBe(401);
  expect(collector.events().filter((r) => r.event.properties?.nonce === 'wk-2')).toHaveLength(0);
  // Kept in the browser (in the dead-letter store), not lost: the call was committed to IndexedDB.
  expect((await stats(page)).acked).toBeGreaterThanOrEqual(1);
});

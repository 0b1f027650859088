/**
 * The dashboard in real Chromium on a collector started with `--origins`, as `npm start` runs it
 * (issue 14). Chromium sends an `Origin` header with the page's own module script; the page must
 * still load, run, and draw the report API's figures, with no 403 and no console error.
 * (dashboard.spec.ts runs the full dashboard test with origins `*`; Firefox runs this one in
 * test/cross/dashboard-origins.test.ts.)
 */
import { test, expect } from '@playwright/test';
import { dashboardComparison, dashboardShows, SHOP_ORIGIN, startOriginsDashboard, type OriginsDashboard } from './dashboard-origins-setup.js';

let d: OriginsDashboard | undefined;

test.beforeAll(async () => {
  test.setTimeout(60_000);
  d = await startOriginsDashboard();
});

test.afterAll(async () => {
  await d?.dispose();
});

test('the dashboard of a collector started with --origins loads, runs and draws its data', async ({ page }) => {
  test.setTimeout(60_000);
  const dash = d!;
  const consoleErrors: string[] = [];
  const refused: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  page.on('response', (r) => {
    if (r.status() >= 400) refused.push(`${r.status()} ${r.url()}`);
  });
  const script = page.waitForRequest((r) => new URL(r.url()).pathname === '/dashboard/dashboard.js');

  await page.goto(dash.url);
  await expect(page.locator('#main')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });

  // The condition of the issue is really met: the module script went out with an Origin header
  // (the collector's own origin, which --origins does not list).
  const headers = await (await script).allHeaders();
  expect(headers.origin).toBe(dash.collector.url);
  expect(headers.origin).not.toBe(SHOP_ORIGIN);

  const { shown, expected, topEventCount } = await dashboardComparison(dash, await page.evaluate(dashboardShows));
  expect(shown).toEqual(expected);
  // The funnel's three events and the flagged `Order Completed` (dashboard-data.ts).
  expect(topEventCount).toBe(4);
  expect(refused).toEqual([]);
  expect(consoleErrors).toEqual([]);
});

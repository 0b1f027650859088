/**
 * The dashboard on a collector started with `--origins`, as `npm start` runs it (issue 14), in real
 * Firefox and real Chromium through puppeteer-core: the page loads, its module script runs, and it
 * draws the report API's figures, with no 403 or other failed request and no console error.
 * (test/e2e/dashboard-origins.spec.ts also checks, in Chromium, that the module script really went
 * out with an Origin header, the request that used to be refused.)
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest';
import { dashboardComparison, dashboardShows, startOriginsDashboard, type OriginsDashboard } from '../e2e/dashboard-origins-setup.js';
import { BROWSERS, launchBrowser, type BrowserName, type Launched } from '../helpers/launch.js';

let d: OriginsDashboard | undefined;

beforeAll(async () => {
  d = await startOriginsDashboard();
}, 60_000);

afterAll(async () => {
  await d?.dispose();
}, 30_000);

describe.each(BROWSERS)('%s', (name: BrowserName) => {
  let launched: Launched | undefined;
  afterAll(async () => {
    await launched?.browser.close();
  }, 30_000);

  test('the dashboard of a collector started with --origins loads, runs and draws its data', async () => {
    const dash = d!;
    launched = await launchBrowser(name);
    const browserLog = launched;
    const page: Page = await launched.browser.newPage();
    const consoleErrors: string[] = [];
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    const answered: string[] = [];
    page.on('response', (r) => {
      answered.push(`${r.status()} ${new URL(r.url()).pathname}`);
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => failed.push(`failed ${r.url()}`));
    onTestFailed(() => console.error(`--- ${name} ---\n${browserLog.log().join('\n')}\ncollector:\n${dash.collector.output()}`));

    await page.goto(dash.url);
    // Firefox background tabs get no animation frames: poll on a timer.
    await page.waitForFunction(() => document.getElementById('main')?.dataset.state === 'ready', { polling: 100, timeout: 30_000 });

    const { shown, expected, topEventCount } = await dashboardComparison(dash, await page.evaluate(dashboardShows));
    expect(shown).toEqual(expected);
    // The funnel's three events and the flagged `Order Completed` (dashboard-data.ts).
    expect(topEventCount).toBe(4);
    // The listener saw the page's own requests (so "no failed request" is not vacuous)...
    expect(answered).toEqual(expect.arrayContaining(['200 /dashboard', '200 /dashboard/dashboard.js', '200 /v1/reports/sessions']));
    // ...and none of them failed.
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // Firefox prints uncaught errors (page and workers) on stderr; none may come from the collector's page.
    expect(launched.log().filter((l) => l.startsWith(`JavaScript error: ${dash.collector.url}/`))).toEqual([]);
  }, 60_000);
});

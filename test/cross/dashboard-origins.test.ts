/**
 * The dashboard on a collector started with `--origins`, as `npm start` runs it (issue 14), in real
 * Chromium, Firefox and WebKit: the page loads, its module script runs, and it draws the report
 * API's figures, with no failed request and no uncaught error. Requests are read in the page
 * (Resource Timing, with each answer's status where the engine records it) in every engine; where
 * puppeteer drives the browser its request listeners check the same from outside.
 * (test/e2e/dashboard-origins.spec.ts also checks, in Chromium, that the module script really went
 * out with an Origin header, the request that used to be refused.)
 */
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest';
import { dashboardComparison, dashboardShows, SHOP_ORIGIN, startOriginsDashboard, type OriginsDashboard } from '../e2e/dashboard-origins-setup.js';
import { startEngine, type Engine } from '../helpers/engines.js';
import { BROWSERS, type BrowserName } from '../helpers/launch.js';

let d: OriginsDashboard | undefined;

beforeAll(async () => {
  d = await startOriginsDashboard();
}, 60_000);

afterAll(async () => {
  await d?.dispose();
}, 30_000);

describe.each(BROWSERS)('%s', (name: BrowserName) => {
  let engine: Engine | undefined;
  afterAll(async () => {
    await engine?.close();
  }, 30_000);

  test('the dashboard of a collector started with --origins loads, runs and draws its data', async () => {
    const dash = d!;
    engine = await startEngine(name, { origin: SHOP_ORIGIN });
    const browser = engine;
    onTestFailed(() => console.error(`--- ${name} ---\n${browser.log().join('\n')}\ncollector:\n${dash.collector.output()}`));

    const outside: string[] = [];
    // puppeteer's listeners go on before the page loads; WebDriver has nothing to attach.
    const tab = await engine.newTab(name === 'webkit' ? dash.url : 'about:blank');
    if (tab.page) {
      tab.page.on('console', (m) => {
        if (m.type() === 'error') outside.push(`console: ${m.text()}`);
      });
      tab.page.on('pageerror', (err) => outside.push(`page error: ${String(err)}`));
      tab.page.on('response', (r) => {
        if (r.status() >= 400) outside.push(`${r.status()} ${r.url()}`);
      });
      tab.page.on('requestfailed', (r) => outside.push(`failed ${r.url()}`));
      await tab.page.goto(dash.url);
    }
    await tab.waitFor(() => location.pathname === '/dashboard' && document.getElementById('main')?.dataset.state === 'ready', 30_000);

    const { shown, expected, topEventCount } = await dashboardComparison(dash, await tab.evaluate(dashboardShows));
    expect(shown).toEqual(expected);
    // The funnel's three events and the flagged `Order Completed` (dashboard-data.ts).
    expect(topEventCount).toBe(4);
    // The page's own requests, as it recorded them: the module script and the reports it drew.
    const requests = await tab.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => {
        const status = (e as PerformanceResourceTiming & { responseStatus?: number }).responseStatus;
        return { path: new URL(e.name).pathname, status: status ?? null };
      }),
    );
    expect(requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/dashboard/dashboard.js', '/v1/reports/sessions']));
    expect(requests.filter((r) => r.status !== null && r.status >= 400)).toEqual([]);
    expect(outside).toEqual([]);
    expect(await engine.uncaughtErrors(dash.collector.url)).toEqual([]);
  }, 90_000);
});

/**
 * The dashboard in real Chromium, on a real collector process loaded with generated traffic
 * (dashboard-data.ts: an outlier hour, sequence gaps, duplicates, rejections, a funnel): every
 * chart draws, every number in the tables is the report API's answer to the same question, the
 * live panel shows an event sent while the page is open, and it fits a phone. Screenshots go to
 * docs/dashboard.png and docs/dashboard-phone.png (docs/reports.md shows them) with
 * HOMING_UPDATE_SCREENSHOTS=1, else to test-results/screenshots/ (test/helpers/screenshots.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import type {
  AttributionReport, FunnelReport, OutliersReport, QualityReport, SessionsReport, TopEventsReport,
} from '../../src/shared/reports.js';
import { startCollector, type Collector } from '../helpers/collector.js';
import { screenshotPath } from '../helpers/screenshots.js';
import { loadTraffic, newMessageId, type Planted } from './dashboard-data.js';

const READ_KEY = 'read-key-e2e-0123456789';
const ADMIN_KEY = 'admin-key-e2e-0123456789';

test.describe.configure({ mode: 'serial' });
// Not UTC, so the page's time zone really travels to the report API (whole-hour offsets keep the
// generated hours aligned with the page's hour buckets).
const TIME_ZONE = 'America/New_York';
test.use({ timezoneId: TIME_ZONE });

let collector: Collector;
let keysDir: string;
let planted: Planted;

test.beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'homing-dash-keys-'));
  const keysFile = join(keysDir, 'keys');
  writeFileSync(keysFile, `read ${READ_KEY} dashboard-e2e\nadmin ${ADMIN_KEY} ops\n`);
  collector = await startCollector({ args: ['--keys-file', keysFile] });
  const now = Date.now();
  planted = await loadTraffic(collector.url, now);
  // The collector writes its duplicate, rejection and flagged counters to the store about once a second:
  // wait until they include the planted ones, so the page and the test read the same figures.
  const range = { from: String(now - 25 * 3_600_000), to: String(now + 3_600_000) };
  await expect
    .poll(async () => {
      const q = await report<QualityReport>('/v1/reports/quality', range);
      return [q.duplicates.total, q.rejected.total, q.flagged.total];
    })
    .toEqual([planted.duplicates, planted.rejected, planted.flagged]);
});

test.afterAll(async () => {
  await collector?.dispose();
  rmSync(keysDir, { recursive: true, force: true });
});

/** The report API's answer, asked the way the page asked (same range, zone and filters). */
async function report<T>(path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${collector.url}${path}?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${READ_KEY}` } });
  expect(res.status, `${path} answered ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

async function openDashboard(page: Page): Promise<Record<string, string>> {
  await page.goto(`${collector.url}/dashboard#key=${READ_KEY}`);
  await expect(page.locator('#main')).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  return page.locator('#main').evaluate((el) => ({ ...(el as HTMLElement).dataset }) as Record<string, string>);
}

/** Pixels of each chart's canvases close to `rgb`, and all painted (non-transparent) pixels. */
function paint(page: Page, chart: string, rgb: [number, number, number]): Promise<{ canvases: number; painted: number; colored: number }> {
  return page.locator(`[data-chart="${chart}"]`).evaluate((el, [r, g, b]) => {
    let painted = 0;
    let colored = 0;
    const canvases = [...el.querySelectorAll('canvas')];
    for (const c of canvases) {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        painted++;
        if (Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24) colored++;
      }
    }
    return { canvases: canvases.length, painted, colored };
  }, rgb);
}

/** A table's rows: text cells as text, numeric cells by their raw `data-value`. */
function rows(page: Page, name: string): Promise<(string | number)[][]> {
  return page.locator(`table[data-table="${name}"] tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.dataset.value !== undefined ? Number(td.dataset.value) : td.textContent ?? ''))),
  );
}

function tile(page: Page, name: string): Promise<number> {
  return page.locator(`[data-tile="${name}"] strong`).evaluate((el) => Number((el as HTMLElement).dataset.value));
}

test('draws every chart, and every number in its tables is the report API answer', async ({ page }) => {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.setViewportSize({ width: 1280, height: 900 });
  const view = await openDashboard(page);
  // The key left the address bar, and no request carried it in its URL.
  expect(page.url()).toBe(`${collector.url}/dashboard`);
  expect(urls.filter((u) => u.includes(READ_KEY))).toEqual([]);

  const base = { from: view.from, to: view.to, tz: view.tz };
  expect(view.bucket).toBe('hour');
  expect(view.tz).toBe(TIME_ZONE);

  // Charts: present, painted, and painted with their series' colours.
  const series = await paint(page, 'series', [220, 38, 38]);
  expect(series.canvases).toBeGreaterThan(0);
  expect(series.painted).toBeGreaterThan(0);
  expect(series.colored, 'the planted outlier is marked in red').toBeGreaterThan(0);
  for (const [chart, rgb] of [['by-event', [37, 99, 235]], ['sessions', [37, 99, 235]], ['latency', [8, 145, 178]]] as const) {
    const p = await paint(page, chart, [...rgb]);
    expect(p.canvases, chart).toBeGreaterThan(0);
    expect(p.colored, `${chart} draws its series`).toBeGreaterThan(0);
  }

  // The time series with outliers: the page flags what the API flags, the planted hour included.
  const outliers = await report<OutliersReport>('/v1/reports/outliers', { ...base, bucket: 'hour' });
  const flagged = outliers.points.filter((p) => p.zOutlier || p.iqrOutlier);
  expect(flagged.map((p) => p.t)).toContain(planted.outlierHourStart);
  expect((await rows(page, 'outliers')).map((r) => r[1])).toEqual(flagged.map((p) => p.count));

  const top = await report<TopEventsReport>('/v1/reports/top-events', { ...base, limit: '20' });
  // The funnel's three events and the backend's flagged `Order Completed`.
  expect(top.events.length).toBe(4);
  expect(await rows(page, 'top-events')).toEqual(top.events.map((e) => [e.event, e.count, e.devices]));

  const sessions = await report<SessionsReport>('/v1/reports/sessions', base);
  expect(sessions.events).toBe(planted.sent);
  expect(await tile(page, 'events')).toBe(sessions.events);
  expect(await tile(page, 'sessions')).toBe(sessions.sessions);
  expect(await tile(page, 'devices')).toBe(sessions.devices);

  const quality = await report<QualityReport>('/v1/reports/quality', base);
  expect(quality.loss.missing).toBe(planted.missing);
  expect(quality.duplicates.total).toBe(planted.duplicates);
  expect(await tile(page, 'loss-rate')).toBe(quality.loss.rate);
  expect(await tile(page, 'duplicate-rate')).toBe(quality.duplicates.rate);
  expect(await tile(page, 'rejected-rate')).toBe(quality.rejected.rate);
  expect(await rows(page, 'loss')).toEqual([['All devices', quality.loss.expected, quality.loss.received, quality.loss.missing, quality.loss.rate]]);
  expect(await rows(page, 'loss-by-browser')).toEqual(quality.loss.byBrowser.map((b) => [b.browser, b.expected, b.missing, b.rate]));
  expect(await rows(page, 'duplicates')).toEqual(Object.entries(quality.duplicates.byChannel).map(([c, n]) => [c, n]));
  expect(await rows(page, 'rejected')).toEqual(quality.rejected.byReason.map((r) => [r.code, r.count]));
  expect(quality.flagged.byRule).toEqual([{ rule: 'event-name', count: planted.flagged }]);
  expect(await rows(page, 'flagged')).toEqual(quality.flagged.byRule.map((r) => [r.rule, r.count]));
  expect(quality.loss.manifests.devices).toBe(12);
  expect(await rows(page, 'manifests')).toEqual(Object.entries(quality.loss.manifests.counts).map(([k, n]) => [k, n]));

  const funnel = await report<FunnelReport>('/v1/reports/funnel', { ...base, steps: 'product_viewed,add_to_cart,purchase_completed' });
  expect(funnel.steps[2].sessions).toBeGreaterThan(0);
  expect(await rows(page, 'funnel')).toEqual(funnel.steps.map((s, i) => [`${i + 1}. ${s.event}`, s.sessions, s.fromPrevious, s.fromStart]));

  const attribution = async (model: 'first' | 'last') => {
    const a = await report<AttributionReport>('/v1/reports/attribution', { ...base, conversion: 'purchase_completed', value: 'total_value', model });
    expect(a.rows.length).toBeGreaterThan(1);
    return a.rows.map((r) => [r.source, r.medium, r.campaign, r.sessions, r.conversions, r.revenue]);
  };
  expect(await rows(page, 'attribution')).toEqual(await attribution('first'));
  await page.getByLabel('Last touch').check();
  await expect(page.locator('#main')).toHaveAttribute('data-model', 'last');
  await expect(page.locator('#main')).toHaveAttribute('data-state', 'ready');
  expect(await rows(page, 'attribution')).toEqual(await attribution('last'));
  await page.getByLabel('First touch').check();
  await expect(page.locator('#main')).toHaveAttribute('data-state', 'ready');

  // The event filter narrows the time series to one event; the API agrees.
  await page.locator('#event').selectOption('add_to_cart');
  await expect(page.locator('#main')).toHaveAttribute('data-event', 'add_to_cart');
  await expect(page.locator('#main')).toHaveAttribute('data-state', 'ready');
  const carts = await report<OutliersReport>('/v1/reports/outliers', { ...base, bucket: 'hour', event: 'add_to_cart' });
  expect(await page.locator('#series-note').textContent()).toContain('add_to_cart');
  expect((await rows(page, 'outliers')).length).toBe(carts.points.filter((p) => p.zOutlier || p.iqrOutlier).length);
  await page.locator('#event').selectOption('');
  await expect(page.locator('#main')).toHaveAttribute('data-state', 'ready');

  await page.screenshot({ path: screenshotPath('dashboard.png'), fullPage: true });
});

test('the live panel shows events sent while the page is open, with their results', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openDashboard(page);
  await page.locator('#live-event').fill('live_ping,page');
  await page.locator('#live-start').click();
  await expect(page.locator('#live-status')).toHaveAttribute('data-state', 'live');

  const id = newMessageId();
  const ping = {
    type: 'track', event: 'live_ping', messageId: id, anonymousId: 'dev-live', timestamp: new Date().toISOString(),
    context: { channel: 'browser', library: { name: 'homing', version: '0.1.0' }, homing: { seq: 1, sessionId: 'live-s1', sessionSeq: 1 } },
  };
  const other = { ...ping, event: 'not_shown', messageId: newMessageId() };
  // Stored, and flagged: a property name off Homing's convention, from a library that is not Homing's.
  const flaggedId = newMessageId();
  const segment = { ...ping, messageId: flaggedId, properties: { 'Order Id': 'o-9' }, context: { library: { name: 'analytics-node', version: '2.1.0' } } };
  for (const batch of [[ping, other], [ping], [{ ...ping, messageId: newMessageId(), type: 'shout' }], [segment]]) {
    const res = await fetch(`${collector.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
    expect(res.status).toBe(200);
  }
  const rowsFor = page.locator(`#live li[data-message-id="${id}"]`);
  await expect(rowsFor).toHaveCount(2);
  // Newest first: the resend (duplicate) above the first copy (accepted).
  await expect(rowsFor.nth(0)).toHaveAttribute('data-result', 'duplicate');
  await expect(rowsFor.nth(1)).toHaveAttribute('data-result', 'accepted');
  await expect(page.locator('#live li[data-result="rejected"]')).toHaveCount(1);
  await expect(page.locator('#live li[data-result="rejected"] .why')).toContainText('invalid-event');
  const flaggedRow = page.locator(`#live li[data-message-id="${flaggedId}"]`);
  await expect(flaggedRow).toHaveAttribute('data-result', 'accepted');
  await expect(flaggedRow).toHaveAttribute('data-flagged', 'property-name');
  await expect(flaggedRow.locator('.why.flagged')).toHaveText('flagged: property-name');
  await expect(page.locator('#live li', { hasText: 'not_shown' })).toHaveCount(0);
  await page.locator('#live-stop').click();
  await expect(page.locator('#live-status')).toHaveAttribute('data-state', 'stopped');
});

test('fits a phone screen: no sideways scrolling, charts as wide as the screen', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, timezoneId: TIME_ZONE });
  const page = await context.newPage();
  await openDashboard(page);
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    canvases: [...document.querySelectorAll<HTMLCanvasElement>('[data-chart] canvas')].map((c) => c.getBoundingClientRect().width),
  }));
  expect(widths.page).toBeLessThanOrEqual(390);
  expect(widths.canvases.length).toBeGreaterThanOrEqual(4);
  for (const w of widths.canvases) expect(w).toBeLessThanOrEqual(390);
  const p = await paint(page, 'series', [37, 99, 235]);
  expect(p.colored).toBeGreaterThan(0);
  await page.screenshot({ path: screenshotPath('dashboard-phone.png'), fullPage: true });
  await context.close();
});

test('a key that cannot read reports is told so, and asked for another', async ({ page }) => {
  await page.goto(`${collector.url}/dashboard#key=not-a-read-key-000000`);
  await expect(page.locator('#banner')).toContainText('This key cannot read reports');
  await expect(page.locator('#key-form')).toBeVisible();
  await page.locator('#key').fill(READ_KEY);
  await page.locator('#key-form button').click();
  await expect(page.locator('#main')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('#banner')).toBeHidden();
});

/**
 * The dashboard of a collector started the way `npm start` starts it: `--origins` names the shop's
 * origin only, and a read key opens the dashboard (issue 14: Chromium sends an `Origin` header with
 * the dashboard's own module script, and a collector checking it on every route answered 403, so
 * the page stayed blank). Loaded with the dashboard test's generated traffic (dashboard-data.ts).
 *
 * Shared by the Chromium test (dashboard-origins.spec.ts, Playwright) and the cross-browser one
 * (test/cross/dashboard-origins.test.ts, puppeteer-core, Firefox and Chromium). Needs the build.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionsReport, TopEventsReport } from '../../src/shared/reports.js';
import { startCollector, type Collector } from '../helpers/collector.js';
import { loadTraffic, type Planted } from './dashboard-data.js';

/** The demo shop's origin in `npm start`: the only site allowed to send events. */
export const SHOP_ORIGIN = 'http://127.0.0.1:8080';
const READ_KEY = 'read-key-origins-e2e-0123456789';

export interface OriginsDashboard {
  collector: Collector;
  planted: Planted;
  /** The dashboard with its key in the fragment, as the shop's panel links to it. */
  url: string;
  /** The report API's answer, asked with the dashboard's key. */
  report<T>(path: string, params: Record<string, string>): Promise<T>;
  dispose(): Promise<void>;
}

export async function startOriginsDashboard(): Promise<OriginsDashboard> {
  const keysDir = mkdtempSync(join(tmpdir(), 'homing-dash-origins-'));
  let collector: Collector | undefined;
  const dispose = async () => {
    await collector?.dispose();
    rmSync(keysDir, { recursive: true, force: true });
  };
  try {
    writeFileSync(join(keysDir, 'keys'), `read ${READ_KEY} dashboard-origins\n`);
    collector = await startCollector({ args: ['--keys-file', join(keysDir, 'keys'), '--origins', SHOP_ORIGIN] });
    const c = collector;
    // Sent from Node, without Origin: a server, which --origins does not concern.
    const planted = await loadTraffic(c.url, Date.now());
    return {
      collector: c,
      planted,
      url: `${c.url}/dashboard#key=${READ_KEY}`,
      async report<T>(path: string, params: Record<string, string>) {
        const res = await fetch(`${c.url}${path}?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${READ_KEY}` } });
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
        return (await res.json()) as T;
      },
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** What the page shows, read in the page by `dashboardShows`. */
export interface DashboardView {
  state: string;
  /** The range and zone the page asked the report API for. */
  params: { from: string; to: string; tz: string };
  banner: string | null;
  /** Panels that show an error instead of their report. */
  panelErrors: string[];
  tiles: { events: number; sessions: number; devices: number };
  topEvents: string[];
  /** Charts with at least one painted pixel, by name. */
  paintedCharts: string[];
}

/**
 * Runs in the page (Playwright's and puppeteer's `evaluate` both serialise it): self-contained,
 * arrow functions only.
 */
export const dashboardShows = (): DashboardView => {
  const main = document.getElementById('main')!;
  const banner = document.getElementById('banner')!;
  const tile = (name: string) => Number(document.querySelector<HTMLElement>(`[data-tile="${name}"] strong`)?.dataset.value ?? NaN);
  const painted = (chart: Element) =>
    [...chart.querySelectorAll('canvas')].some((c) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
      return false;
    });
  return {
    state: main.dataset.state ?? '',
    params: { from: main.dataset.from ?? '', to: main.dataset.to ?? '', tz: main.dataset.tz ?? '' },
    banner: banner.hidden ? null : banner.textContent,
    panelErrors: [...document.querySelectorAll('#main .error')].map((e) => e.textContent ?? ''),
    tiles: { events: tile('events'), sessions: tile('sessions'), devices: tile('devices') },
    topEvents: [...document.querySelectorAll('table[data-table="top-events"] tbody tr td:first-child')].map((td) => td.textContent ?? ''),
    paintedCharts: [...document.querySelectorAll('[data-chart]')].filter(painted).map((el) => (el as HTMLElement).dataset.chart ?? ''),
  };
};

/** The figures the page must show: the report API's answers to the page's own question. */
export async function expectedView(d: OriginsDashboard, view: DashboardView): Promise<Pick<DashboardView, 'tiles' | 'topEvents'>> {
  const sessions = await d.report<SessionsReport>('/v1/reports/sessions', view.params);
  const top = await d.report<TopEventsReport>('/v1/reports/top-events', { ...view.params, limit: '20' });
  return { tiles: { events: sessions.events, sessions: sessions.sessions, devices: sessions.devices }, topEvents: top.events.map((e) => e.event) };
}

/** Every chart of the dashboard: each must be drawn. */
export const CHARTS = ['series', 'by-event', 'sessions', 'latency'];

/**
 * What the page shows against what it must show, as one object per side, so Playwright's and
 * vitest's tests both assert it with a single `toEqual`: no banner, no panel error, the tiles and
 * the top events the report API gives for the page's own range, and every chart drawn.
 */
export async function dashboardComparison(d: OriginsDashboard, view: DashboardView) {
  const expected = await expectedView(d, view);
  return {
    shown: { banner: view.banner, panelErrors: view.panelErrors, tiles: view.tiles, topEvents: view.topEvents, charts: [...view.paintedCharts].sort() },
    expected: { banner: null, panelErrors: [], tiles: { ...expected.tiles, events: d.planted.sent }, topEvents: expected.topEvents, charts: [...CHARTS].sort() },
    topEventCount: view.topEvents.length,
  };
}

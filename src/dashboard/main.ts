/**
 * The dashboard page: reads the key, the filters (time range, event), asks the report API for
 * every panel at once and draws each answer as it comes. A panel whose report fails shows why;
 * a 401 asks for another key. The live panel streams on demand.
 */
import type {
  AttributionReport, EventsReport, FunnelReport, OutliersReport, QualityReport, SessionsReport, TopEventsReport,
} from '../shared/reports.js';
import './dashboard.css';
import { createReportClient, ReportError, type Params } from './api.js';
import { byId, h, replaceChildren } from './dom.js';
import { adoptFragmentKey, createKeyStore } from './key.js';
import { createLivePanel } from './live-panel.js';
import * as panels from './panels.js';
import { customRange, presetRange, PRESETS, toLocalInput, type Preset, type Range } from './range.js';

const keys = createKeyStore(sessionStorage);
let key = adoptFragmentKey(keys, location, history);
const api = createReportClient(() => key);
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const main = byId('main');
const banner = byId('banner');
const keyForm = byId<HTMLFormElement>('key-form');
const filters = byId<HTMLFormElement>('filters');
const rangeSelect = byId<HTMLSelectElement>('range');
const eventSelect = byId<HTMLSelectElement>('event');

let loading: AbortController | null = null;

function showBanner(text: string | null): void {
  banner.hidden = text === null;
  banner.textContent = text ?? '';
}

function currentRange(): Range | string {
  const preset = rangeSelect.value;
  if (preset in PRESETS) return presetRange(preset as Preset, Date.now());
  const custom = customRange(byId<HTMLInputElement>('from').value, byId<HTMLInputElement>('to').value);
  return custom.ok ? custom.range : custom.reason;
}

/** Runs one report into its panels; a failure is shown in each of them instead. */
async function panel<T>(target: HTMLElement | HTMLElement[], path: string, params: Params, signal: AbortSignal, render: (report: T) => void): Promise<T | null> {
  try {
    const report = await api.get<T>(path, params, signal);
    if (!signal.aborted) render(report);
    return report;
  } catch (err) {
    if (signal.aborted) return null;
    if (err instanceof ReportError && err.status === 401) throw err;
    for (const t of Array.isArray(target) ? target : [target]) replaceChildren(t, h('p', { class: 'error', role: 'status' }, (err as Error).message));
    return null;
  }
}

async function load(): Promise<void> {
  loading?.abort();
  const ac = new AbortController();
  loading = ac;
  const range = currentRange();
  if (typeof range === 'string') return showBanner(range);
  showBanner(null);
  if (key === null) {
    keyForm.hidden = false;
    return;
  }
  main.dataset.state = 'loading';
  const event = eventSelect.value;
  const base = { from: range.from, to: range.to, tz };
  const model = (document.querySelector<HTMLInputElement>('input[name="model"]:checked')?.value ?? 'first') as 'first' | 'last';
  // What this view asked for, so a reader (or a test) can ask the API the same question.
  Object.assign(main.dataset, { from: String(range.from), to: String(range.to), tz, bucket: range.bucket, event, model });
  const s = ac.signal;
  const tilesEl = byId('tiles');

  try {
    const [sessions, quality] = await Promise.all([
      panel<SessionsReport>(byId('sessions'), '/v1/reports/sessions', base, s, (r) => panels.renderSessions(byId('sessions'), r)),
      panel<QualityReport>([byId('quality'), byId('latency'), byId('rejected')], '/v1/reports/quality', base, s, (r) => {
        panels.renderQuality(byId('quality'), r);
        panels.renderLatency(byId('latency'), byId('latency-note'), r);
        panels.renderRejected(byId('rejected'), r);
      }),
      panel<OutliersReport>(byId('series'), '/v1/reports/outliers', { ...base, bucket: range.bucket, event }, s, (r) =>
        panels.renderSeries(byId('series'), byId('series-note'), byId('outliers'), r)),
      panel<EventsReport>(byId('by-event'), '/v1/reports/events', { ...base, bucket: range.bucket, event, limit: 6 }, s, (r) =>
        panels.renderEventSeries(byId('by-event'), r)),
      panel<TopEventsReport>(byId('top'), '/v1/reports/top-events', { ...base, limit: 20 }, s, (r) => {
        panels.renderTopEvents(byId('top'), r);
        offerEvents(r.events.map((e) => e.event));
      }),
      panel<AttributionReport>(byId('attribution'), '/v1/reports/attribution', {
        ...base, conversion: byId<HTMLInputElement>('conversion').value.trim(), value: byId<HTMLInputElement>('value').value.trim(), model,
      }, s, (r) => panels.renderAttribution(byId('attribution'), r)),
      panel<FunnelReport>(byId('funnel'), '/v1/reports/funnel', { ...base, steps: byId<HTMLInputElement>('steps').value.replace(/\s+/g, '') }, s, (r) =>
        panels.renderFunnel(byId('funnel'), r)),
    ]);
    if (s.aborted) return;
    panels.renderTiles(tilesEl, sessions, quality);
    keyForm.hidden = true;
    main.dataset.state = 'ready';
  } catch (err) {
    if (s.aborted) return;
    // 401: this key reads nothing; ask for another one.
    main.dataset.state = 'error';
    showBanner((err as Error).message);
    keyForm.hidden = false;
  }
}

/** The event filter lists the top events of the range, keeping the current choice. */
function offerEvents(names: readonly string[]): void {
  const chosen = eventSelect.value;
  const all = new Set(names);
  if (chosen !== '') all.add(chosen);
  replaceChildren(eventSelect, h('option', { value: '' }, 'All events'), ...[...all].sort().map((n) => h('option', { value: n, selected: n === chosen }, n)));
}

filters.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void load();
});
rangeSelect.addEventListener('change', () => {
  const custom = rangeSelect.value === 'custom';
  byId('custom').hidden = !custom;
  if (custom && byId<HTMLInputElement>('from').value === '') {
    const r = presetRange('24h', Date.now());
    byId<HTMLInputElement>('from').value = toLocalInput(r.from);
    byId<HTMLInputElement>('to').value = toLocalInput(r.to);
  }
  if (!custom) void load();
});
eventSelect.addEventListener('change', () => void load());
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="model"]')) radio.addEventListener('change', () => void load());
for (const id of ['conversion', 'value', 'steps']) byId(id).addEventListener('change', () => void load());
keyForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = byId<HTMLInputElement>('key');
  key = input.value.trim() || null;
  input.value = '';
  if (key !== null) keys.set(key);
  void load();
});

createLivePanel(
  {
    form: byId<HTMLFormElement>('live-form'),
    start: byId<HTMLButtonElement>('live-start'),
    stop: byId<HTMLButtonElement>('live-stop'),
    status: byId('live-status'),
    list: byId<HTMLOListElement>('live'),
    event: byId<HTMLInputElement>('live-event'),
    device: byId<HTMLInputElement>('live-device'),
    session: byId<HTMLInputElement>('live-session'),
  },
  () => key,
);

void load();

/**
 * One render function per report: each takes the report API's answer and fills its part of the
 * page. Numbers in tables carry their raw value in `data-value`, so a test can compare them with
 * the API's answer without parsing formatted text.
 */
import type {
  AttributionReport, EventsReport, FunnelReport, OutliersReport, QualityReport, SessionsReport, TopEventsReport,
} from '../shared/reports.js';
import { drawBars, drawEventSeries, drawOutlierSeries } from './charts.js';
import { h, replaceChildren, table, type Cell } from './dom.js';
import { formatCount, formatDecimal, formatDuration, formatRate, histogramLabels } from './format.js';

const count = (n: number): Cell => ({ value: n, text: formatCount(n) });
const rate = (r: number): Cell => ({ value: r, text: formatRate(r) });

function tile(name: string, label: string, value: number, text: string): HTMLElement {
  return h('div', { class: 'tile', 'data-tile': name }, h('span', { class: 'tile-label' }, label), h('strong', { 'data-value': value }, text));
}

export function renderTiles(el: HTMLElement, sessions: SessionsReport | null, quality: QualityReport | null): void {
  const tiles: HTMLElement[] = [];
  if (sessions) {
    tiles.push(
      tile('events', 'Events', sessions.events, formatCount(sessions.events)),
      tile('sessions', 'Sessions', sessions.sessions, formatCount(sessions.sessions)),
      tile('devices', 'Devices', sessions.devices, formatCount(sessions.devices)),
      tile('events-per-session', 'Events / session', sessions.eventsPerSession.mean, formatDecimal(sessions.eventsPerSession.mean, 1)),
    );
  }
  if (quality) {
    tiles.push(
      tile('loss-rate', 'Missing (sequence gaps)', quality.loss.rate, formatRate(quality.loss.rate)),
      tile('duplicate-rate', 'Duplicates dropped', quality.duplicates.rate, formatRate(quality.duplicates.rate)),
      tile('rejected-rate', 'Rejected', quality.rejected.rate, formatRate(quality.rejected.rate)),
      tile('latency-p50', 'Latency p50', quality.latency.p50, formatDuration(quality.latency.p50)),
    );
  }
  replaceChildren(el, ...tiles);
}

export function renderSeries(chart: HTMLElement, note: HTMLElement, list: HTMLElement, report: OutliersReport): void {
  const flagged = drawOutlierSeries(chart, report);
  const total = report.points.reduce((n, p) => n + p.count, 0);
  note.textContent = total === 0 ? 'no events in this range' : `${report.event ?? 'all events'}, by ${report.bucket}; ${flagged} outlier${flagged === 1 ? '' : 's'}`;
  const rows = report.points
    .filter((p) => p.zOutlier || p.iqrOutlier)
    .map((p): Cell[] => [
      new Date(p.t).toLocaleString(),
      count(p.count),
      { value: p.ewma, text: formatDecimal(p.ewma, 1) },
      p.z === null ? '–' : formatDecimal(p.z, 2),
      [p.zOutlier ? `|z| > ${report.params.z}` : '', p.iqrOutlier ? `outside IQR × ${report.params.k}` : ''].filter(Boolean).join(', '),
    ]);
  replaceChildren(list, table('outliers', ['Bucket', 'Count', 'Smoothed', 'z', 'Flagged by'], rows, 'No outliers in this range.'));
}

export function renderEventSeries(chart: HTMLElement, report: EventsReport): void {
  if (report.series.length === 0) {
    replaceChildren(chart, h('p', { class: 'empty' }, 'No events in this range.'));
    return;
  }
  drawEventSeries(chart, report);
}

export function renderTopEvents(el: HTMLElement, report: TopEventsReport): void {
  const rows = report.events.map((e): Cell[] => [e.event, count(e.count), count(e.devices)]);
  replaceChildren(el, table('top-events', ['Event', 'Count', 'Devices'], rows, 'No events in this range.'));
}

export function renderAttribution(el: HTMLElement, report: AttributionReport): void {
  const rows = report.rows.map((r): Cell[] => [
    r.source, r.medium, r.campaign, count(r.sessions), count(r.conversions), { value: r.revenue, text: formatDecimal(r.revenue, 2) },
  ]);
  replaceChildren(
    el,
    table('attribution', ['Source', 'Medium', 'Campaign', 'Sessions', 'Conversions', 'Revenue'], rows, `No ${report.conversion} in this range.`),
  );
}

export function renderFunnel(el: HTMLElement, report: FunnelReport): void {
  const first = report.steps[0]?.sessions ?? 0;
  const rows = report.steps.map((s, i): Cell[] => [`${i + 1}. ${s.event}`, count(s.sessions), rate(s.fromPrevious), rate(s.fromStart)]);
  const tableEl = table('funnel', ['Step', 'Sessions', 'From previous', 'From start'], first === 0 ? [] : rows, 'No session reached the first step in this range.');
  const bars = first === 0 ? null : h('div', { class: 'funnel-bars', 'aria-hidden': 'true' }, ...report.steps.map((s) => {
    const bar = h('div', { class: 'funnel-bar' });
    // CSSOM, not a style attribute: allowed by the page's CSP.
    bar.style.width = `${Math.max(s.fromStart * 100, 0.5)}%`;
    return bar;
  }));
  replaceChildren(el, tableEl, bars);
}

export function renderSessions(chart: HTMLElement, report: SessionsReport): void {
  if (report.sessions === 0) {
    replaceChildren(chart, h('p', { class: 'empty' }, 'No sessions in this range.'));
    return;
  }
  drawBars(chart, report.histogram.map((b) => b.label), report.histogram.map((b) => b.sessions), 'Sessions');
}

export function renderQuality(el: HTMLElement, report: QualityReport): void {
  const { loss, duplicates } = report;
  const overall = table('loss', ['', 'Expected', 'Received', 'Missing', 'Rate'], [['All devices', count(loss.expected), count(loss.received), count(loss.missing), rate(loss.rate)]], '');
  const byBrowser = table(
    'loss-by-browser',
    ['Browser', 'Expected', 'Missing', 'Rate'],
    loss.byBrowser.map((b): Cell[] => [b.browser, count(b.expected), count(b.missing), rate(b.rate)]),
    'No sequence numbers in this range.',
  );
  const dup = table(
    'duplicates',
    ['Channel', 'Duplicates dropped'],
    Object.entries(duplicates.byChannel).map(([channel, n]): Cell[] => [channel, count(n)]),
    'No duplicates received in this range.',
  );
  const manifests = Object.entries(loss.manifests.counts);
  const manifestTable = table(
    'manifests',
    ['Client-reported (loss manifests)', 'Events'],
    manifests.map(([reason, n]): Cell[] => [reason, count(n)]),
    'No loss manifests from the devices of this range.',
  );
  replaceChildren(
    el,
    overall,
    h('h3', {}, 'By browser'), byBrowser,
    h('h3', {}, `Duplicates: ${formatCount(duplicates.total)} (${formatRate(duplicates.rate)})`), dup,
    h('h3', {}, `Devices' own counters (${formatCount(loss.manifests.devices)} devices)`), manifestTable,
  );
}

export function renderLatency(chart: HTMLElement, note: HTMLElement, report: QualityReport): void {
  const l = report.latency;
  note.textContent = `p50 ${formatDuration(l.p50)} · p90 ${formatDuration(l.p90)} · p99 ${formatDuration(l.p99)} · clock skew p50 ${formatDuration(report.clockSkew.p50)}`;
  if (l.histogram.every((b) => b.count === 0)) {
    replaceChildren(chart, h('p', { class: 'empty' }, 'No events in this range.'));
    return;
  }
  drawBars(chart, histogramLabels(l.histogram), l.histogram.map((b) => b.count), 'Events', '#0891b2');
}

/** Events refused by reason, then events stored but flagged (naming convention, site schema) by rule. */
export function renderRejected(el: HTMLElement, report: QualityReport): void {
  const rows = report.rejected.byReason.map((r): Cell[] => [r.code, count(r.count)]);
  const flagged = report.flagged.byRule.map((r): Cell[] => [r.rule, count(r.count)]);
  replaceChildren(
    el,
    h('p', {}, `${formatCount(report.rejected.total)} rejected (${formatRate(report.rejected.rate)} of what arrived)`),
    table('rejected', ['Reason', 'Events'], rows, 'Nothing was rejected in this range.'),
    h('h3', {}, `Flagged: ${formatCount(report.flagged.total)} stored (${formatRate(report.flagged.rate)} of the events stored)`),
    table('flagged', ['Rule', 'Events'], flagged, 'Nothing was flagged in this range.'),
  );
}

/**
 * The dashboard's charts, drawn with uPlot on canvas. Each chart follows its container's width
 * (phones included) through a ResizeObserver, and is rebuilt whole when its data changes: the
 * series differ from one answer to the next, and a rebuild costs a millisecond.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { EventsReport, OutliersReport } from '../shared/reports.js';

export const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#dc2626'];
const OUTLIER = '#dc2626';

const charts = new WeakMap<HTMLElement, { plot: uPlot; observer: ResizeObserver }>();

function heightFor(width: number): number {
  return width < 520 ? 200 : 260;
}

/** Replaces whatever chart `container` held with a new one sized to it. */
function mount(container: HTMLElement, options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): uPlot {
  charts.get(container)?.plot.destroy();
  charts.get(container)?.observer.disconnect();
  container.replaceChildren();
  const width = Math.max(container.clientWidth, 240);
  const plot = new uPlot({ ...options, width, height: heightFor(width) } as uPlot.Options, data, container);
  const observer = new ResizeObserver(() => {
    const w = Math.max(container.clientWidth, 240);
    if (w !== plot.width) plot.setSize({ width: w, height: heightFor(w) });
  });
  observer.observe(container);
  charts.set(container, { plot, observer });
  return plot;
}

/**
 * The counted series with its moving average and exponential smoothing, and the points flagged
 * by z-score or IQR marked in red.
 */
export function drawOutlierSeries(container: HTMLElement, report: OutliersReport): number {
  const xs = report.points.map((p) => p.t);
  const flagged = report.points.map((p) => (p.zOutlier || p.iqrOutlier ? p.count : null));
  mount(
    container,
    {
      ms: 1,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      series: [
        {},
        { label: 'Events', stroke: COLORS[0], width: 1.5, fill: 'rgba(37,99,235,0.08)' },
        { label: `Moving average (${report.params.window})`, stroke: COLORS[2], width: 2, dash: [6, 4] },
        { label: `Exponential (α ${report.params.alpha})`, stroke: COLORS[1], width: 2 },
        {
          label: 'Outlier',
          stroke: OUTLIER,
          fill: OUTLIER,
          paths: () => null,
          points: { show: true, size: 9, stroke: OUTLIER, fill: OUTLIER },
        },
      ],
    },
    [xs, report.points.map((p) => p.count), report.points.map((p) => p.movingAverage), report.points.map((p) => p.ewma), flagged],
  );
  return flagged.filter((v) => v !== null).length;
}

/** One line per event name. */
export function drawEventSeries(container: HTMLElement, report: EventsReport): void {
  const xs = report.series[0]?.points.map((p) => p.t) ?? [];
  mount(
    container,
    {
      ms: 1,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      series: [{}, ...report.series.map((s, i) => ({ label: s.event, stroke: COLORS[i % COLORS.length], width: 1.5 }))],
    },
    [xs, ...report.series.map((s) => s.points.map((p) => p.count))],
  );
}

/** Bars over named categories (latency buckets, session sizes). */
export function drawBars(container: HTMLElement, labels: readonly string[], values: readonly number[], label: string, color = COLORS[0]): void {
  const xs = labels.map((_, i) => i);
  mount(
    container,
    {
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, Math.max(labels.length - 0.5, 0.5)] }, y: { range: (_u, _min, max) => [0, Math.max(max, 1) * 1.1] } },
      axes: [
        // Many categories (the latency buckets) would overlap side by side: slant them.
        labels.length > 7
          ? { splits: () => xs, values: (_u, splits) => splits.map((v) => labels[v] ?? ''), gap: 4, size: 64, rotate: -40 }
          : { splits: () => xs, values: (_u, splits) => splits.map((v) => labels[v] ?? ''), gap: 4, size: 40 },
        { size: 56 },
      ],
      series: [{}, { label, stroke: color, fill: color, paths: uPlot.paths.bars!({ size: [0.7, 64] }), points: { show: false } }],
    },
    [xs, [...values]],
  );
}

/**
 * Each report, from a `ReportSource` and a checked query: the engine answers raw aggregates, these
 * functions shape them into the answers of shared/reports.ts (zeros filled, rates, percentiles).
 * Engine-neutral, so SQLite and a scale-out engine give the same report for the same data.
 */
import type {
  AttributionReport, EventsReport, FunnelReport, OutliersReport, QualityReport, SeriesPoint, SessionsReport, TopEventsReport,
} from '../../shared/reports.js';
import { planBuckets, type BucketPlan } from './buckets.js';
import { funnelSteps } from './funnel.js';
import { flagOutliers, type OutlierParams } from './outliers.js';
import { createQualityAccumulator } from './quality.js';
import type { AttributionQuery, BucketCountRow, Delays, ReportSource } from './source.js';
import { percentileOfCounts, sortCounts } from './stats.js';
import type { RangeQuery, SeriesQuery } from './query.js';

function echo(q: RangeQuery) {
  return { from: q.from, to: q.to, tz: q.tz };
}

/** Sums rows into the plan's buckets, zeros included. */
function fill(plan: BucketPlan, rows: readonly BucketCountRow[]): SeriesPoint[] {
  const points = plan.starts.map((t) => ({ t, count: 0 }));
  for (const r of rows) {
    const i = plan.indexOf(r.offset, r.key);
    if (i >= 0) points[i].count += r.count;
  }
  return points;
}

export async function eventsReport(source: ReportSource, q: SeriesQuery & { events: string[] | null; limit: number }): Promise<EventsReport> {
  const plan = planBuckets(q, q.bucket, q.tz);
  const [names, byType] = await Promise.all([
    q.events ?? Promise.resolve(source.topEvents(q, q.limit)).then((top) => top.map((e) => e.event)),
    source.typeCounts(q),
  ]);
  const rows = names.length > 0 ? await source.eventCounts(q, plan.bucketing, names) : [];
  const series = names.map((event) => {
    const points = fill(plan, rows.filter((r) => r.event === event));
    return { event, total: points.reduce((n, p) => n + p.count, 0), points };
  });
  series.sort((a, b) => b.total - a.total || (a.event < b.event ? -1 : 1));
  const events = Object.values(byType).reduce((a, b) => a + b, 0);
  return { ...echo(q), bucket: q.bucket, series, totals: { events, byType } };
}

export async function topEventsReport(source: ReportSource, q: RangeQuery & { limit: number }): Promise<TopEventsReport> {
  return { ...echo(q), events: await source.topEvents(q, q.limit) };
}

/** Sessions by size: 1, 2, 3-4, 5-8, 9-16, 17-32, 33+. */
const SIZE_BINS: readonly { label: string; max: number }[] = [
  { label: '1', max: 1 }, { label: '2', max: 2 }, { label: '3-4', max: 4 }, { label: '5-8', max: 8 },
  { label: '9-16', max: 16 }, { label: '17-32', max: 32 }, { label: '33+', max: Infinity },
];

export async function sessionsReport(source: ReportSource, q: RangeQuery): Promise<SessionsReport> {
  const s = await source.sessionSizes(q);
  const sorted = sortCounts(s.sizes);
  const inSessions = sorted.reduce((n, [size, count]) => n + size * count, 0);
  const histogram = SIZE_BINS.map((b) => ({ label: b.label, sessions: 0 }));
  for (const [size, count] of sorted) histogram[SIZE_BINS.findIndex((b) => size <= b.max)].sessions += count;
  return {
    ...echo(q),
    sessions: s.sessions,
    events: s.events,
    devices: s.devices,
    eventsPerSession: {
      mean: s.sessions === 0 ? 0 : inSessions / s.sessions,
      p50: percentileOfCounts(sorted, 50),
      p90: percentileOfCounts(sorted, 90),
      max: sorted.length === 0 ? 0 : sorted[sorted.length - 1][0],
    },
    histogram,
  };
}

export async function attributionReport(source: ReportSource, q: RangeQuery & AttributionQuery): Promise<AttributionReport> {
  const rows = await source.attribution(q, { conversion: q.conversion, value: q.value, model: q.model });
  const direct = (r: { source: string | null; medium: string | null; campaign: string | null }) =>
    r.source === null && r.medium === null && r.campaign === null;
  return {
    ...echo(q),
    conversion: q.conversion,
    model: q.model,
    value: q.value,
    rows: rows
      .map((r) => ({
        source: direct(r) ? '(direct)' : r.source ?? '(none)',
        medium: r.medium ?? '(none)',
        campaign: r.campaign ?? '(none)',
        sessions: r.sessions,
        conversions: r.conversions,
        revenue: r.revenue,
      }))
      .sort(
        (a, b) =>
          b.revenue - a.revenue || b.conversions - a.conversions || b.sessions - a.sessions ||
          byText(a.source, b.source) || byText(a.medium, b.medium) || byText(a.campaign, b.campaign),
      ),
  };
}

export async function funnelReport(source: ReportSource, q: RangeQuery & { steps: string[] }): Promise<FunnelReport> {
  return { ...echo(q), steps: funnelSteps(q.steps, await source.funnel(q, q.steps)) };
}

/**
 * The quality report reads every event of its range once, the one report that cannot use an index
 * alone. Its raw answers merge exactly across time chunks (quality.ts), so the range is asked in
 * halves at once: the embedded store answers them on its two report threads in parallel, about
 * halving the time on two cores. Chunks are added in time order (a device's user agent is its
 * earliest one).
 */
const QUALITY_CHUNKS = 2;
const NO_DELAYS: Delays = { latency: [], skew: [], latencyMax: null, skewMax: null };

export async function qualityReport(source: ReportSource, q: RangeQuery): Promise<QualityReport> {
  const acc = createQualityAccumulator();
  // The long calls first, so each lands on its own thread; the counters are a small read.
  const deliveries = splitRange(q, QUALITY_CHUNKS).map((r) => source.deliveries(r));
  const [counters, ...parts] = await Promise.all([source.counters(q), ...deliveries]);
  acc.add({ counters, devices: [], delays: NO_DELAYS });
  for (const part of parts) acc.add({ counters: [], ...part });
  return acc.report(echo(q));
}

/** `[from, to)` cut into `n` adjacent half-open pieces of (nearly) equal length; fewer when too short. */
export function splitRange(range: { from: number; to: number }, n: number): { from: number; to: number }[] {
  const span = range.to - range.from;
  const pieces = Math.max(1, Math.min(n, span));
  const out: { from: number; to: number }[] = [];
  for (let i = 0; i < pieces; i++) {
    out.push({ from: range.from + Math.floor((span * i) / pieces), to: i === pieces - 1 ? range.to : range.from + Math.floor((span * (i + 1)) / pieces) });
  }
  return out;
}

export async function outliersReport(source: ReportSource, q: SeriesQuery & { event: string | null; params: OutlierParams }): Promise<OutliersReport> {
  const plan = planBuckets(q, q.bucket, q.tz);
  const rows = await source.eventCounts(q, plan.bucketing, q.event === null ? null : [q.event]);
  const { points, stats } = flagOutliers(fill(plan, rows), q.params);
  return { ...echo(q), bucket: q.bucket, event: q.event, params: q.params, points, stats };
}

/** A total order on labels, so rows that tie on every figure come out alike from every engine. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

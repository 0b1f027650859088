/**
 * The report API's answers: what `GET /v1/reports/*` sends and what the dashboard reads. Types only,
 * shared by the collector (node) and the dashboard page (dom), so both sides agree at compile time.
 *
 * Conventions for every report:
 * - Query `from` and `to` are epoch ms or ISO 8601 (half-open `[from, to)`); default: the last 24 h.
 * - Times in answers are epoch ms. `tz` is an IANA zone (default `UTC`); buckets start at local
 *   midnight / hour / minute of that zone, DST included (a local day can be 23 or 25 hours).
 * - Every count is of distinct events (`messageId`), so engines that dedup late (ClickHouse) answer
 *   the same as the embedded one.
 * - Auth: a `read` key (or the `admin` key) as `Authorization: Bearer <key>`; the live stream also
 *   takes `?key=` because EventSource cannot set headers.
 */

export type Bucket = 'minute' | 'hour' | 'day';

/** What every report echoes back, so a client knows what it got. */
export interface ReportRange {
  from: number;
  to: number;
  tz: string;
}

export interface SeriesPoint {
  /** Bucket start, epoch ms. */
  t: number;
  count: number;
}

/** `GET /v1/reports/events?from&to&bucket&tz&event=a,b&limit=10` — counts by event name over time. */
export interface EventsReport extends ReportRange {
  bucket: Bucket;
  /** Every bucket of the range, zeros included; one series per event name (the top `limit` when no `event`). */
  series: { event: string; total: number; points: SeriesPoint[] }[];
  /** All stored events of the range, by type (track, page, screen, identify, …). */
  totals: { events: number; byType: Record<string, number> };
}

/** `GET /v1/reports/top-events?from&to&limit=20` */
export interface TopEventsReport extends ReportRange {
  events: { event: string; count: number; devices: number }[];
}

/** `GET /v1/reports/sessions?from&to&tz` */
export interface SessionsReport extends ReportRange {
  sessions: number;
  events: number;
  devices: number;
  eventsPerSession: { mean: number; p50: number; p90: number; max: number };
  /** Sessions by number of events: `[1, 2, 3-4, 5-8, 9-16, 17-32, 33+]`. */
  histogram: { label: string; sessions: number }[];
}

export type AttributionModel = 'first' | 'last';

/**
 * `GET /v1/reports/attribution?from&to&conversion=purchase_completed&value=total_value&model=first|last`
 * First touch: the campaign that started the converting session (`context.homing.firstTouch`);
 * last touch: the latest campaign on the conversion itself (`context.campaign`). No campaign is the
 * row `(direct)`.
 */
export interface AttributionReport extends ReportRange {
  conversion: string;
  model: AttributionModel;
  /** The property summed as revenue. */
  value: string;
  rows: {
    source: string;
    medium: string;
    campaign: string;
    sessions: number;
    conversions: number;
    revenue: number;
  }[];
}

/**
 * `GET /v1/reports/funnel?from&to&steps=product_viewed,add_to_cart,purchase_completed`
 * A session counts at step n when it has the steps 1..n in this order (by event time).
 */
export interface FunnelReport extends ReportRange {
  steps: { event: string; sessions: number; fromPrevious: number; fromStart: number }[];
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Loss from per-device sequence numbers: missing = seqs between a device's min and max never seen. */
export interface LossFigures {
  expected: number;
  received: number;
  missing: number;
  /** missing / expected, 0 when nothing was expected. */
  rate: number;
}

/** `GET /v1/reports/quality?from&to` */
export interface QualityReport extends ReportRange {
  /** Copies received and dropped because the messageId was already stored, by channel. */
  duplicates: { total: number; rate: number; byChannel: Record<string, number> };
  /** Events refused, by receipt code. */
  rejected: { total: number; rate: number; byReason: { code: string; count: number }[] };
  /**
   * Events stored that broke a convention their sender's policy flags instead of rejecting:
   * Homing's naming rules (`event-name`, `property-name`) or the site's schema (`site-schema`).
   * `total` counts events (one that broke two rules counts once, and once under each rule in
   * `byRule`, biggest first); `rate` is over the events stored (`total / accepted`). Flagged events
   * are stored events: they are not in `rejected` or its rate.
   */
  flagged: { total: number; rate: number; byRule: { rule: string; count: number }[] };
  loss: LossFigures & {
    /** Browser family from the user agent (Chrome, Firefox, Safari, Edge, other). */
    byBrowser: (LossFigures & { browser: string })[];
    /** Devices with gaps, worst first (at most 100). */
    byDevice: (LossFigures & { deviceId: string; browser: string })[];
    /** Sum of the latest loss manifest counters of the devices seen in the range. */
    manifests: { devices: number; counts: Record<string, number> };
  };
  /** `receivedAt − timestamp`, ms. */
  latency: Percentiles & { histogram: { le: number; count: number }[] };
  /** `receivedAt − sentAt` of the copy stored, ms (positive: the device clock is behind). */
  clockSkew: Percentiles & { devicesOver1s: number };
}

export interface OutlierPoint extends SeriesPoint {
  movingAverage: number | null;
  ewma: number;
  z: number | null;
  zOutlier: boolean;
  iqrOutlier: boolean;
}

/**
 * `GET /v1/reports/outliers?from&to&bucket&tz&event=name&z=3&k=1.5&window=7&alpha=0.3`
 * The counted series of one event (all events without `event`), flagged by z-score (|z| > `z`)
 * and by Tukey's fences (outside [Q1 − k·IQR, Q3 + k·IQR]), with a trailing moving average of
 * `window` points and exponential smoothing with factor `alpha` alongside.
 */
export interface OutliersReport extends ReportRange {
  bucket: Bucket;
  event: string | null;
  params: { z: number; k: number; window: number; alpha: number };
  points: OutlierPoint[];
  stats: { mean: number; stdev: number; q1: number; q3: number; iqr: number };
}

/** One message of `GET /v1/live` (server-sent events, `event: ingest`). */
export interface LiveEvent {
  /** Epoch ms, collector clock. */
  at: number;
  channel: string;
  messageId: string | null;
  type: string | null;
  event: string | null;
  anonymousId: string | null;
  userId: string | null;
  sessionId: string | null;
  result: 'accepted' | 'duplicate' | 'rejected' | 'failed';
  /** Rejection code and reason (rejected), or why the store failed (failed: answered 503). */
  code?: string;
  reason?: string;
  /**
   * An accepted event that broke a convention its sender's policy flags (stored anyway): the rules
   * it broke (`event-name`, `property-name`, `site-schema`). Absent when none.
   */
  flagged?: string[];
  /** The event as received (rejected ones too, as far as it was an object), trimmed to 4 KB. */
  payload?: unknown;
}

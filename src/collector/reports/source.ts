/**
 * What a storage engine must answer for the reports: a few raw aggregates, no presentation. The
 * math that is not a query (bucket filling and DST, percentiles, loss rates, outliers, smoothing)
 * lives in the pure modules next to this file, so every engine answers the same report. SQLite's
 * answers are in ../store/sqlite-reports.ts; a scale-out engine implements the same interface.
 *
 * Every method takes a half-open range `[from, to)` of capture time (`ts`, epoch ms) unless it
 * says otherwise, and counts distinct events (an engine that dedups late must not count a
 * `messageId` twice). Methods may answer directly or with a promise (a worker thread answers
 * with promises).
 */
import type { AttributionModel } from '../../shared/reports.js';
import type { Awaitable, LossCounts } from '../store/store.js';

export interface TimeRange {
  from: number;
  to: number;
}

/**
 * How to bucket times in a zone without the engine knowing zones: the UTC offset is constant
 * within each segment, so an event's bucket key is `floor((ts + offset) / size)` with the offset of
 * the last segment starting at or before `ts`. Keys are local wall-clock buckets; ./buckets.ts turns
 * `(offset, key)` back into a bucket start (a local day may be 23 or 25 hours long).
 */
export interface Bucketing {
  /** Bucket length in ms of local wall-clock time (60 000, 3 600 000 or 86 400 000). */
  size: number;
  /** Sorted by `from`; the first one starts at or before the range. Offsets in ms (UTC+1 = 3 600 000). */
  segments: readonly { from: number; offset: number }[];
}

export interface BucketCountRow {
  offset: number;
  key: number;
  /** Event name; null when no names were asked for (then the row counts every event of the bucket). */
  event: string | null;
  count: number;
}

export interface TopEventRow {
  event: string;
  count: number;
  /** Distinct `anonymousId`s. */
  devices: number;
}

export interface SessionSizes {
  /** Events in the range, sessions and devices (distinct `sessionId`, `anonymousId`). */
  events: number;
  sessions: number;
  devices: number;
  /** `[events in a session, sessions with that many]`, any order. */
  sizes: [size: number, sessions: number][];
}

export interface AttributionQuery {
  conversion: string;
  /** Property summed as revenue: a plain name (letters, digits, `_`), checked by the caller. */
  value: string;
  model: AttributionModel;
}

export interface AttributionRow {
  /** `null` when the touch had no such field. */
  source: string | null;
  medium: string | null;
  campaign: string | null;
  /** Sessions of the range whose touch (first: the session's first touch; last: any event's campaign) this is. */
  sessions: number;
  conversions: number;
  revenue: number;
}

/** The collector's own ingest counters, per minute of receipt (`kind` accepted, duplicate, rejected). */
export interface CounterRow {
  kind: string;
  channel: string;
  /** Receipt code of a rejection, rule of a flagged event (`''`: the flagged events), `''` otherwise (store.ts `QualityCount`). */
  code: string;
  count: number;
}

/** One device (`anonymousId`) seen in the range. */
export interface DeviceRow {
  deviceId: string;
  /**
   * Sequence numbers seen: lowest, highest, and how many (null/0 when its events had none). Counted,
   * not de-duplicated: a device never numbers two events alike, so a repeat (a broken client) can
   * only hide a gap, never invent one.
   */
  minSeq: number | null;
  maxSeq: number | null;
  seqs: number;
  userAgent: string | null;
  /** Smallest `|receivedAt − sentAt|` over its events: its clock skew plus the fastest transit. */
  minAbsSkew: number | null;
  /** Its latest loss manifest's counters, if it ever sent one. */
  manifest: LossCounts | null;
}

/**
 * Delays in ms as `[value, count]` pairs, values rounded toward zero to 3 significant digits
 * (./stats.ts `roundSignificant`, which every engine must match), so percentiles are exact to 1 %
 * and the answer stays small; the exact extremes ride along.
 */
export interface Delays {
  /** `receivedAt − ts` of every event. */
  latency: [value: number, count: number][];
  /** `receivedAt − sentAt` of every event that has a `sentAt`. */
  skew: [value: number, count: number][];
  latencyMax: number | null;
  /** The skew of largest magnitude, sign kept. */
  skewMax: number | null;
}

export interface ReportSource {
  /**
   * Counts per `(bucket, event)` of the `track` events named in `events`; when it is null, counts
   * per bucket of every event (any type), with `event` null.
   */
  eventCounts(range: TimeRange, bucketing: Bucketing, events: readonly string[] | null): Awaitable<BucketCountRow[]>;
  /** Every event of the range by `type`. */
  typeCounts(range: TimeRange): Awaitable<Record<string, number>>;
  /** The most frequent `track` event names, most first (ties by name). */
  topEvents(range: TimeRange, limit: number): Awaitable<TopEventRow[]>;
  sessionSizes(range: TimeRange): Awaitable<SessionSizes>;
  attribution(range: TimeRange, query: AttributionQuery): Awaitable<AttributionRow[]>;
  /**
   * Sessions reaching each step (steps are distinct names): step 1 is reached at the session's
   * first event of that name, step n at its first event of that name at or after the time step
   * n−1 was reached (./funnel.ts `countFunnel` is the reference).
   */
  funnel(range: TimeRange, steps: readonly string[]): Awaitable<number[]>;
  /** Ingest counters whose minute starts in `[from, to)` (receipt time, not capture time). */
  counters(range: TimeRange): Awaitable<CounterRow[]>;
  /** Per-device sequence figures and the delay counts: one pass over the range's events. */
  deliveries(range: TimeRange): Awaitable<{ devices: DeviceRow[]; delays: Delays }>;
  close(): Awaitable<void>;
}

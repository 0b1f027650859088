/**
 * Time buckets of a report in a zone: which buckets a range covers (every one, so a series has its
 * zeros), and which bucket an engine's `(offset, key)` row belongs to. Minute and hour buckets are
 * fixed lengths of real time; a day bucket runs from one local day start to the next, so it lasts
 * 23 or 25 hours across a DST change.
 */
import type { Bucket } from '../../shared/reports.js';
import type { Bucketing, TimeRange } from './source.js';
import { localDayStart, offsetSegments } from './time-zone.js';

export const BUCKET_MS: Readonly<Record<Bucket, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Most points in one series: a bigger answer is no longer a chart, only a slow request. */
export const MAX_BUCKETS = 5_000;

export interface BucketPlan {
  bucketing: Bucketing;
  /** Start of every bucket overlapping the range, ascending (the first may begin before `from`). */
  starts: number[];
  /** Position in `starts` of an engine row's bucket, or -1 (outside the range). */
  indexOf(offset: number, key: number): number;
}

/** At least as many buckets as `planBuckets` makes: cheap, so oversized ranges are refused first. */
export function bucketCountBound(range: TimeRange, bucket: Bucket): number {
  // A local day is at least 23 hours long (no zone moves its clocks by more than an hour at once
  // today; a bigger jump would only make the bound generous).
  const shortest = bucket === 'day' ? 23 * 3_600_000 : BUCKET_MS[bucket];
  return Math.ceil((range.to - range.from) / shortest) + 1;
}

export function planBuckets(range: TimeRange, bucket: Bucket, tz: string): BucketPlan {
  const size = BUCKET_MS[bucket];
  const segments = offsetSegments(tz, range.from, range.to);
  const offsetOf = (t: number): number => {
    let o = segments[0].offset;
    for (const s of segments) if (s.from <= t) o = s.offset;
    return o;
  };
  const dayStarts = new Map<number, number>();
  const startOf = (offset: number, key: number): number => {
    if (bucket !== 'day') return key * size - offset;
    let s = dayStarts.get(key);
    if (s === undefined) {
      s = localDayStart(tz, key);
      dayStarts.set(key, s);
    }
    return s;
  };

  const starts: number[] = [];
  const firstOffset = offsetOf(range.from);
  let key = Math.floor((range.from + firstOffset) / size);
  let start = startOf(firstOffset, key);
  while (start < range.to) {
    starts.push(start);
    let next: number;
    if (bucket === 'day') {
      next = startOf(0, ++key);
    } else {
      const t = start + size;
      const o = offsetOf(t);
      next = startOf(o, Math.floor((t + o) / size));
    }
    start = next > start ? next : start + size;
  }

  const position = new Map<number, number>();
  starts.forEach((s, i) => position.set(s, i));
  return {
    bucketing: { size, segments },
    starts,
    indexOf: (offset, key) => position.get(startOf(offset, key)) ?? -1,
  };
}

/**
 * The stretches of `[from, to)` that fall in one bucket key and one offset segment, for engines
 * that count per interval (an index range count is cheaper than grouping every row).
 */
export function bucketIntervals(range: TimeRange, bucketing: Bucketing): { offset: number; key: number; from: number; to: number }[] {
  const { size, segments } = bucketing;
  const out: { offset: number; key: number; from: number; to: number }[] = [];
  for (let i = 0; i < segments.length; i++) {
    const lo = Math.max(segments[i].from, range.from);
    const hi = Math.min(i + 1 < segments.length ? segments[i + 1].from : Infinity, range.to);
    if (lo >= hi) continue;
    const offset = segments[i].offset;
    for (let key = Math.floor((lo + offset) / size); key * size - offset < hi; key++) {
      out.push({ offset, key, from: Math.max(key * size - offset, lo), to: Math.min((key + 1) * size - offset, hi) });
    }
  }
  return out;
}

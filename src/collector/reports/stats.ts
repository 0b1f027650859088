/**
 * Small statistics shared by the reports: percentiles of counted values, quartiles, mean and
 * standard deviation, and the rounding engines apply to delays before counting them.
 */
import type { Percentiles } from '../../shared/reports.js';

/** Significant digits kept of a delay before counting: percentiles then err by less than 1 %. */
export const DELAY_DIGITS = 3;

/**
 * `v` (an integer) rounded toward zero to `digits` significant digits: 123 456 → 123 000,
 * −98 765 → −98 700. Engines compute the same in their query language (sqlite-reports.ts).
 */
export function roundSignificant(v: number, digits = DELAY_DIGITS): number {
  const a = Math.abs(v);
  // A ladder of powers of ten, not a logarithm: this runs once per event of a range.
  let limit = 10 ** digits;
  let unit = 1;
  while (a >= limit) {
    limit *= 10;
    unit *= 10;
  }
  return unit === 1 ? v : Math.trunc(v / unit) * unit;
}

/**
 * The nearest-rank percentile `p` (0–100) of values given as `[value, count]` pairs: the smallest
 * value with at least `ceil(p/100 · N)` values at or below it. 0 when there are no values.
 */
export function percentileOfCounts(sorted: readonly (readonly [number, number])[], p: number): number {
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [value, count] of sorted) {
    seen += count;
    if (seen >= rank) return value;
  }
  return sorted[sorted.length - 1][0];
}

/** Sorts `[value, count]` pairs by value (merging equal values) for `percentileOfCounts`. */
export function sortCounts(pairs: Iterable<readonly [number, number]>): [number, number][] {
  const merged = new Map<number, number>();
  for (const [v, c] of pairs) merged.set(v, (merged.get(v) ?? 0) + c);
  return [...merged].sort((a, b) => a[0] - b[0]);
}

/** p50, p90, p99 of counted values, and `max` as given (the exact one, not the rounded). */
export function percentiles(sorted: readonly (readonly [number, number])[], max: number | null): Percentiles {
  return {
    p50: percentileOfCounts(sorted, 50),
    p90: percentileOfCounts(sorted, 90),
    p99: percentileOfCounts(sorted, 99),
    max: max ?? (sorted.length > 0 ? sorted[sorted.length - 1][0] : 0),
  };
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Population standard deviation (the series is the whole population of its buckets). */
export function stdev(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
}

/** Quantile `q` (0–1) by linear interpolation between order statistics (R type 7, numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/**
 * SQL pieces of the ClickHouse report queries (./clickhouse-reports.ts) that mirror what the
 * embedded store computes another way: the delay rounding of reports/stats.ts and the bucket key
 * of reports/source.ts `Bucketing`. Only functions ClickHouse 18.16 has (multiIf, intDiv).
 */
import type { Bucketing } from '../reports/source.js';
import { DELAY_DIGITS } from '../reports/stats.js';
import { sqlInt } from './clickhouse-rows.js';

/**
 * stats.ts `roundSignificant` of the Int64 expression `d`: a ladder of integer divisions, as in
 * sqlite-reports.ts. ClickHouse's intDiv truncates toward zero, as Math.trunc does. A NULL `d`
 * (no sentAt) fails every condition and stays NULL.
 */
export function roundedSql(d: string): string {
  const arms: string[] = [`abs(${d}) < ${10 ** DELAY_DIGITS}`, d];
  for (let p = DELAY_DIGITS + 1; p <= 16; p++) {
    const unit = 10 ** (p - DELAY_DIGITS);
    arms.push(`abs(${d}) < ${10 ** p}`, `intDiv(${d}, ${unit}) * ${unit}`);
  }
  return `multiIf(${arms.join(', ')}, ${d})`;
}

/** The UTC offset (ms) in force at `ts`: the last segment starting at or before it. */
export function offsetSql(bucketing: Bucketing, ts = 'ts'): string {
  const { segments } = bucketing;
  if (segments.length === 1) return sqlInt(segments[0].offset);
  const arms: string[] = [];
  for (let i = segments.length - 1; i > 0; i--) arms.push(`${ts} >= ${sqlInt(segments[i].from)}`, sqlInt(segments[i].offset));
  return `multiIf(${arms.join(', ')}, ${sqlInt(segments[0].offset)})`;
}

/** `floor((ts + offset) / size)`, floored for negative times too (intDiv alone truncates). */
export function bucketKeySql(bucketing: Bucketing, offset: string, ts = 'ts'): string {
  const size = sqlInt(bucketing.size);
  const local = `(${ts} + ${offset})`;
  return `intDiv(${local} - if(${local} < 0, ${size} - 1, 0), ${size})`;
}

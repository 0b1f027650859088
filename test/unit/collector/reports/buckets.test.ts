import { describe, expect, it } from 'vitest';
import { bucketCountBound, bucketIntervals, planBuckets } from '../../../../src/collector/reports/buckets.js';
import { isTimeZone, localDayStart, offsetAt, offsetSegments } from '../../../../src/collector/reports/time-zone.js';

const H = 3_600_000;
const utc = (s: string) => Date.parse(s);

describe('time zones', () => {
  it('knows IANA zones and refuses the rest', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('finds the offset change of the late-October night to the millisecond', () => {
    const segments = offsetSegments('Europe/Berlin', utc('2026-10-24T00:00:00Z'), utc('2026-10-27T00:00:00Z'));
    // 03:00 CEST becomes 02:00 CET at 01:00 UTC on Sunday 25 October 2026.
    expect(segments).toEqual([
      { from: utc('2026-10-24T00:00:00Z'), offset: 2 * H },
      { from: utc('2026-10-25T01:00:00Z'), offset: 1 * H },
    ]);
    expect(offsetAt('Asia/Kathmandu', utc('2026-01-01T00:00:00Z'))).toBe(5.75 * H);
  });

  it('starts a local day at local midnight, whatever the offset that day', () => {
    const day = (s: string) => Math.floor(utc(s) / 86_400_000);
    expect(localDayStart('Europe/Berlin', day('2026-10-25T00:00:00Z'))).toBe(utc('2026-10-24T22:00:00Z'));
    expect(localDayStart('Europe/Berlin', day('2026-10-26T00:00:00Z'))).toBe(utc('2026-10-25T23:00:00Z'));
    // Where DST skips midnight (Santiago, spring), the day begins at 01:00 local.
    expect(localDayStart('America/Santiago', day('2026-09-06T00:00:00Z'))).toBe(utc('2026-09-06T04:00:00Z'));
  });
});

describe('bucket plans', () => {
  it('makes Europe/Berlin day buckets across the late-October change: a 25-hour day', () => {
    const range = { from: utc('2026-10-23T22:00:00Z'), to: utc('2026-10-26T23:00:00Z') };
    const plan = planBuckets(range, 'day', 'Europe/Berlin');
    expect(plan.starts).toEqual([utc('2026-10-23T22:00:00Z'), utc('2026-10-24T22:00:00Z'), utc('2026-10-25T23:00:00Z')]);
    expect(plan.starts[2] - plan.starts[1]).toBe(25 * H);
    // Events just either side of local midnights and of the change land in their local day.
    const bucketOf = (t: number) => {
      const seg = plan.bucketing.segments.filter((s) => s.from <= t).at(-1)!;
      return plan.indexOf(seg.offset, Math.floor((t + seg.offset) / 86_400_000));
    };
    expect(bucketOf(utc('2026-10-24T21:59:59.999Z'))).toBe(0); // 23:59:59 CEST on the 24th
    expect(bucketOf(utc('2026-10-24T22:00:00Z'))).toBe(1); // midnight CEST on the 25th
    expect(bucketOf(utc('2026-10-25T00:30:00Z'))).toBe(1); // 02:30 CEST, the first time round
    expect(bucketOf(utc('2026-10-25T01:30:00Z'))).toBe(1); // 02:30 CET, the second time
    expect(bucketOf(utc('2026-10-25T22:59:59.999Z'))).toBe(1); // 23:59:59 CET on the 25th
    expect(bucketOf(utc('2026-10-25T23:00:00Z'))).toBe(2);
  });

  it('makes the spring day 23 hours and keeps hour buckets one real hour each', () => {
    const day = planBuckets({ from: utc('2026-03-28T23:00:00Z'), to: utc('2026-03-29T22:00:00Z') }, 'day', 'Europe/Berlin');
    expect(day.starts).toEqual([utc('2026-03-28T23:00:00Z')]);
    const hours = planBuckets({ from: utc('2026-10-24T22:00:00Z'), to: utc('2026-10-25T23:00:00Z') }, 'hour', 'Europe/Berlin');
    expect(hours.starts).toHaveLength(25);
    expect(hours.starts.every((t, i) => t === utc('2026-10-24T22:00:00Z') + i * H)).toBe(true);
  });

  it('aligns hour buckets to local hours in a zone with a quarter-hour offset', () => {
    const plan = planBuckets({ from: utc('2026-01-01T00:00:00Z'), to: utc('2026-01-01T03:00:00Z') }, 'hour', 'Asia/Kathmandu');
    expect(plan.starts.map((t) => new Date(t).toISOString())).toEqual([
      '2025-12-31T23:15:00.000Z', '2026-01-01T00:15:00.000Z', '2026-01-01T01:15:00.000Z', '2026-01-01T02:15:00.000Z',
    ]);
  });

  it('cuts the range into intervals that each fall in one bucket, covering it exactly', () => {
    const range = { from: utc('2026-10-24T21:30:00Z'), to: utc('2026-10-26T01:00:00Z') };
    const plan = planBuckets(range, 'day', 'Europe/Berlin');
    const intervals = bucketIntervals(range, plan.bucketing);
    expect(intervals[0].from).toBe(range.from);
    expect(intervals.at(-1)!.to).toBe(range.to);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i].from).toBe(intervals[i - 1].to);
    expect(intervals.map((b) => plan.indexOf(b.offset, b.key))).toEqual([0, 1, 1, 2]);
  });

  it('bounds the bucket count before planning', () => {
    expect(bucketCountBound({ from: 0, to: 24 * H }, 'hour')).toBe(25);
    expect(bucketCountBound({ from: 0, to: 7 * 24 * H }, 'minute')).toBe(10_081);
  });
});

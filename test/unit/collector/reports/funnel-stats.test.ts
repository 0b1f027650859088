import { describe, expect, it } from 'vitest';
import { countFunnel, funnelSteps } from '../../../../src/collector/reports/funnel.js';
import { FUNNEL_FIXTURE, FUNNEL_STEPS } from './fixtures.js';
import { percentileOfCounts, percentiles, quantile, roundSignificant, sortCounts } from '../../../../src/collector/reports/stats.js';

describe('funnel', () => {
  it('counts sessions reaching each step in order, whatever order the rows come in', () => {
    const events = FUNNEL_FIXTURE.map(([session, event, ts]) => ({ session, event, ts }));
    expect(countFunnel(events, FUNNEL_STEPS)).toEqual([5, 3, 1]);
    expect(countFunnel([...events].reverse(), FUNNEL_STEPS)).toEqual([5, 3, 1]);
  });

  it('reports the drop-off from the previous step and from the first', () => {
    const steps = funnelSteps(FUNNEL_STEPS, [5, 3, 1]);
    expect(steps.map((s) => s.sessions)).toEqual([5, 3, 1]);
    expect(steps.map((s) => s.fromPrevious)).toEqual([1, 0.6, 1 / 3]);
    expect(steps.map((s) => s.fromStart)).toEqual([1, 0.6, 0.2]);
    expect(funnelSteps(['a', 'b'], [0, 0]).map((s) => [s.fromPrevious, s.fromStart])).toEqual([[0, 0], [0, 0]]);
  });
});

describe('statistics', () => {
  it('takes nearest-rank percentiles of counted values', () => {
    const oneToHundred = Array.from({ length: 100 }, (_, i) => [i + 1, 1] as [number, number]);
    expect(percentiles(oneToHundred, null)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    const counted = sortCounts([[30, 1], [10, 3], [20, 4], [10, 2]]);
    expect(counted).toEqual([[10, 5], [20, 4], [30, 1]]);
    expect([50, 90, 99].map((p) => percentileOfCounts(counted, p))).toEqual([10, 20, 30]);
    expect(percentiles([], null)).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
    expect(percentiles(counted, 31.5).max).toBe(31.5);
  });

  it('rounds delays toward zero to 3 significant digits', () => {
    expect([0, 7, -999, 1000, 1234, 99_999, 123_456, -98_765, 86_399_999].map((v) => roundSignificant(v))).toEqual([
      0, 7, -999, 1000, 1230, 99_900, 123_000, -98_700, 86_300_000,
    ]);
  });

  it('interpolates quartiles like R type 7', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([4, 1, 3, 2], 0.75)).toBe(3.25);
    expect(quantile([5], 0.5)).toBe(5);
  });
});

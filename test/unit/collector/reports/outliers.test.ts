import { describe, expect, it } from 'vitest';
import { ewma, flagOutliers, movingAverage } from '../../../../src/collector/reports/outliers.js';

const params = { z: 3, k: 1.5, window: 3, alpha: 0.5 };
/** 30 hourly points around 100 (99, 100, 101, …) with spikes planted at 10 and 20. */
function series(plant: Record<number, number>) {
  return Array.from({ length: 30 }, (_, i) => ({ t: i * 3_600_000, count: plant[i] ?? 100 + (i % 3) - 1 }));
}
const flagged = (points: { zOutlier: boolean; iqrOutlier: boolean }[], key: 'zOutlier' | 'iqrOutlier') =>
  points.flatMap((p, i) => (p[key] ? [i] : []));

describe('outliers', () => {
  it('z-score and IQR each flag exactly the planted spikes', () => {
    const { points, stats } = flagOutliers(series({ 10: 400, 20: 380 }), params);
    expect(flagged(points, 'zOutlier')).toEqual([10, 20]);
    expect(flagged(points, 'iqrOutlier')).toEqual([10, 20]);
    // 28 base points summing to 2,799 (the -1/0/+1 pattern loses its +1 at 20), plus 400 and 380.
    expect(stats.mean).toBeCloseTo(3579 / 30, 9);
    expect(points[10].z!).toBeGreaterThan(3);
    expect(Math.abs(points[0].z!)).toBeLessThan(1);
  });

  it('shows why both rules are there: big spikes mask a dip from the z-score, not from the fences', () => {
    const { points } = flagOutliers(series({ 10: 400, 20: 380, 25: 0 }), params);
    expect(flagged(points, 'zOutlier')).toEqual([10, 20]);
    expect(flagged(points, 'iqrOutlier')).toEqual([10, 20, 25]);
  });

  it('flags nothing on a flat series, where the deviation is zero (z is null)', () => {
    const { points, stats } = flagOutliers(Array.from({ length: 5 }, (_, i) => ({ t: i, count: 7 })), params);
    expect(stats).toEqual({ mean: 7, stdev: 0, q1: 7, q3: 7, iqr: 0 });
    expect(points.every((p) => p.z === null && !p.zOutlier && !p.iqrOutlier)).toBe(true);
  });

  it('smooths with a trailing moving average and exponential smoothing', () => {
    expect(movingAverage([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
    expect(movingAverage([4, 8], 1)).toEqual([4, 8]);
    expect(ewma([10, 20, 30], 0.5)).toEqual([10, 15, 22.5]);
    expect(ewma([10, 20, 30], 1)).toEqual([10, 20, 30]);
    const { points } = flagOutliers([{ t: 0, count: 1 }, { t: 1, count: 2 }, { t: 2, count: 3 }, { t: 3, count: 4 }], params);
    expect(points.map((p) => [p.movingAverage, p.ewma])).toEqual([[null, 1], [null, 1.5], [2, 2.25], [3, 3.125]]);
  });
});

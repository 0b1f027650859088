/**
 * Outliers of a counted series, by two rules that fail differently: the z-score (|x − mean| over
 * the standard deviation; sensitive to the spikes it looks for, which inflate the deviation) and
 * Tukey's fences (outside [Q1 − k·IQR, Q3 + k·IQR]; robust, but blind when most buckets are
 * equal). With a trailing moving average and exponential smoothing to draw alongside.
 */
import type { OutlierPoint, OutliersReport, SeriesPoint } from '../../shared/reports.js';
import { mean, quantile, stdev } from './stats.js';

export interface OutlierParams {
  /** |z| above this is an outlier. */
  z: number;
  /** Fence distance in IQRs. */
  k: number;
  /** Points in the trailing moving average. */
  window: number;
  /** Weight of the newest point in exponential smoothing, (0, 1]. */
  alpha: number;
}

export const DEFAULT_OUTLIER_PARAMS: Readonly<OutlierParams> = { z: 3, k: 1.5, window: 7, alpha: 0.3 };

/** Mean of the `window` points ending at each point; null until that many exist. */
export function movingAverage(xs: readonly number[], window: number): (number | null)[] {
  const out: (number | null)[] = [];
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i];
    if (i >= window) sum -= xs[i - window];
    out.push(i >= window - 1 ? sum / window : null);
  }
  return out;
}

/** s₀ = x₀, sᵢ = α·xᵢ + (1 − α)·sᵢ₋₁. */
export function ewma(xs: readonly number[], alpha: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) out.push(i === 0 ? xs[0] : alpha * xs[i] + (1 - alpha) * out[i - 1]);
  return out;
}

export function flagOutliers(points: readonly SeriesPoint[], params: OutlierParams): Pick<OutliersReport, 'points' | 'stats'> {
  const xs = points.map((p) => p.count);
  const m = mean(xs);
  const sd = stdev(xs);
  const q1 = quantile(xs, 0.25);
  const q3 = quantile(xs, 0.75);
  const iqr = q3 - q1;
  const ma = movingAverage(xs, params.window);
  const smooth = ewma(xs, params.alpha);
  const out: OutlierPoint[] = points.map((p, i) => {
    // A flat series has no deviation to measure against: no z, and nothing stands out.
    const z = sd > 0 ? (p.count - m) / sd : null;
    return {
      t: p.t,
      count: p.count,
      movingAverage: ma[i],
      ewma: smooth[i],
      z,
      zOutlier: z !== null && Math.abs(z) > params.z,
      iqrOutlier: p.count < q1 - params.k * iqr || p.count > q3 + params.k * iqr,
    };
  });
  return { points: out, stats: { mean: m, stdev: sd, q1, q3, iqr } };
}

/**
 * How the dashboard writes numbers: counts with separators, rates as percentages with enough
 * digits to tell 0.04 % from 0, durations in the unit a person reads fastest. Pure: the tests call
 * these with a fixed locale.
 */

export function formatCount(n: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

/** A decimal number such as events per session or revenue. */
export function formatDecimal(n: number, digits = 2, locale?: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: digits }).format(n);
}

/** `rate` is a fraction (0.0123 → "1.23 %"); small non-zero rates keep two significant digits. */
export function formatRate(rate: number, locale?: string): string {
  if (!Number.isFinite(rate)) return '–';
  if (rate === 0) return '0 %';
  const pct = rate * 100;
  const digits = pct >= 10 ? 1 : pct >= 1 ? 2 : Math.min(4, 1 - Math.floor(Math.log10(pct)));
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(pct)} %`;
}

/** Milliseconds as ms, s, min, h or d. Negative durations (clock skew) keep their sign. */
export function formatDuration(ms: number, locale?: string): string {
  if (!Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '−' : '';
  const a = Math.abs(ms);
  const num = (v: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: v < 10 ? 1 : 0 }).format(v);
  if (a < 1_000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${num(a / 1_000)} s`;
  if (a < 3_600_000) return `${sign}${num(a / 60_000)} min`;
  if (a < 86_400_000) return `${sign}${num(a / 3_600_000)} h`;
  return `${sign}${num(a / 86_400_000)} d`;
}

/**
 * The labels of a latency histogram: each bucket holds values up to its `le`; the last one may be
 * open-ended (`le` null or not finite) and then reads "> previous".
 */
export function histogramLabels(buckets: readonly { le: number | null }[], locale?: string): string[] {
  return buckets.map((b, i) => {
    if (b.le !== null && Number.isFinite(b.le)) return `≤ ${formatDuration(b.le, locale)}`;
    const prev = i > 0 ? buckets[i - 1].le : null;
    return prev !== null && Number.isFinite(prev) ? `> ${formatDuration(prev, locale)}` : 'all';
  });
}

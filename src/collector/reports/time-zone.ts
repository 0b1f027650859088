/**
 * IANA time zones through the platform's own tz database (Intl), so a report's local days follow
 * the same rules as the dashboard user's clock: UTC offsets at an instant, where they change within
 * a range, and when a local day begins (not always at the offset of noon: DST moves it).
 */

const HOUR = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `tz` names a zone this runtime knows (`UTC`, `Europe/Berlin`, …). */
export function isTimeZone(tz: string): boolean {
  if (tz === '' || tz.length > 64) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Milliseconds to add to UTC to get the wall-clock time in `tz` at instant `t`. */
export function offsetAt(tz: string, t: number): number {
  if (tz === 'UTC') return 0;
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(t)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * The offsets in force over `[from, to)`, as segments sorted by start; the first starts at `from`.
 * Sampled every 6 hours (no zone changes its offset twice that fast), each change then pinned to
 * the millisecond by bisection.
 */
export function offsetSegments(tz: string, from: number, to: number): { from: number; offset: number }[] {
  let offset = offsetAt(tz, from);
  const segments = [{ from, offset }];
  if (tz === 'UTC') return segments;
  const step = 6 * HOUR;
  for (let a = from; a < to; a += step) {
    const b = Math.min(a + step, to);
    const next = offsetAt(tz, b);
    if (next === offset) continue;
    let lo = a;
    let hi = b; // offsetAt(lo) === offset, offsetAt(hi) === next
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(tz, mid) === offset) lo = mid;
      else hi = mid;
    }
    segments.push({ from: hi, offset: next });
    offset = next;
  }
  return segments;
}

/**
 * The first instant whose local date in `tz` is local day `day` (days since 1970-01-01 in local
 * time). Usually local midnight; where a DST change skips midnight, the moment the day begins.
 */
export function localDayStart(tz: string, day: number): number {
  const wall = day * 24 * HOUR;
  const before = offsetAt(tz, wall - 14 * HOUR);
  const after = offsetAt(tz, wall + 14 * HOUR);
  const candidates = [wall - before, wall - after].filter((t) => t + offsetAt(tz, t) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  // Midnight does not exist that day: the day begins when the clocks jump past it.
  let lo = wall - before - HOUR;
  let hi = wall - after + HOUR;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (Math.floor((mid + offsetAt(tz, mid)) / (24 * HOUR)) >= day) hi = mid;
    else lo = mid;
  }
  return hi;
}

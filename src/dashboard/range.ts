/**
 * The time range a dashboard view covers: a preset ending now, or a custom one, and the bucket
 * size that gives a readable number of points (a few dozen to a few hundred). Pure.
 */
import type { Bucket } from '../shared/reports.js';

export const PRESETS = {
  '1h': { label: 'Last hour', ms: 3_600_000 },
  '24h': { label: 'Last 24 hours', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000 },
} as const;

export type Preset = keyof typeof PRESETS;

export interface Range {
  from: number;
  to: number;
  bucket: Bucket;
}

/** A preset's range ending at `now`, its end rounded up to the next minute so reloads line up. */
export function presetRange(preset: Preset, now: number): Range {
  const to = Math.ceil(now / 60_000) * 60_000;
  const from = to - PRESETS[preset].ms;
  return { from, to, bucket: bucketFor(to - from) };
}

/** Up to 6 hours by minute, up to 8 days by hour, beyond by day. */
export function bucketFor(spanMs: number): Bucket {
  if (spanMs <= 6 * 3_600_000) return 'minute';
  if (spanMs <= 8 * 86_400_000) return 'hour';
  return 'day';
}

export type CustomRange = { ok: true; range: Range } | { ok: false; reason: string };

/** A custom range from two `datetime-local` values (local time of the browser). */
export function customRange(fromText: string, toText: string): CustomRange {
  const from = Date.parse(fromText);
  const to = Date.parse(toText);
  if (!Number.isFinite(from) || !Number.isFinite(to)) return { ok: false, reason: 'Pick both a start and an end.' };
  if (to <= from) return { ok: false, reason: 'The end must be after the start.' };
  if (to - from > 366 * 86_400_000) return { ok: false, reason: 'Pick at most a year.' };
  return { ok: true, range: { from, to, bucket: bucketFor(to - from) } };
}

/** `YYYY-MM-DDTHH:MM` in local time, what a `datetime-local` input shows. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * Strict reading of the report API's query strings: every parameter is known, typed and bounded,
 * and a bad one answers 400 with a reason that names it (a typo must not silently fall back to a
 * default and show the wrong figures).
 */
import type { AttributionModel, Bucket } from '../../shared/reports.js';
import { HttpError, type HttpErrorCode } from '../http-error.js';
import { bucketCountBound, MAX_BUCKETS } from './buckets.js';
import { DEFAULT_OUTLIER_PARAMS, type OutlierParams } from './outliers.js';
import type { TimeRange } from './source.js';
import { isTimeZone } from './time-zone.js';

export type Query = Record<string, unknown>;

/** Default range: the last 24 hours. */
export const DEFAULT_RANGE_MS = 24 * 3_600_000;
/** Longest range one request may cover (the audit command scans longer ones in chunks). */
export const MAX_RANGE_MS = 400 * 24 * 3_600_000;
const EVENT_NAME = /^[a-z][a-z0-9_]{0,99}$/;
const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface RangeQuery extends TimeRange {
  tz: string;
}

export interface SeriesQuery extends RangeQuery {
  bucket: Bucket;
}

function bad(code: HttpErrorCode, reason: string): HttpError {
  return new HttpError(400, code, reason);
}

/** Refuses parameters a report does not know, and repeated ones (`?a=1&a=2`). */
function checkNames(q: Query, allowed: readonly string[]): void {
  for (const [name, value] of Object.entries(q)) {
    if (!allowed.includes(name)) throw bad('unknown-parameter', `unknown parameter "${name}"; this report takes ${allowed.join(', ')}`);
    if (typeof value !== 'string') throw bad('invalid-parameter', `"${name}" must be given once (lists are comma-separated)`);
  }
}

/** Epoch ms, or an ISO 8601 date or date-time; null when not one. */
export function parseTime(text: string): number | null {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

function time(q: Query, name: 'from' | 'to'): number | undefined {
  const text = q[name] as string | undefined;
  if (text === undefined) return undefined;
  const t = parseTime(text);
  if (t === null) throw bad('invalid-range', `"${name}" must be epoch milliseconds or an ISO 8601 date-time, got "${text}"`);
  return t;
}

function readRange(q: Query, now: number): RangeQuery {
  const to = time(q, 'to') ?? now;
  const from = time(q, 'from') ?? to - DEFAULT_RANGE_MS;
  if (from >= to) throw bad('invalid-range', '"from" must be before "to" (the range is [from, to))');
  if (to - from > MAX_RANGE_MS) throw bad('invalid-range', `the range may span at most ${MAX_RANGE_MS / 86_400_000} days`);
  const tz = (q.tz as string | undefined) ?? 'UTC';
  if (!isTimeZone(tz)) throw bad('invalid-tz', `unknown time zone "${tz}"; expected an IANA name such as UTC or Europe/Berlin`);
  return { from, to, tz };
}

function readBucket(q: Query, range: RangeQuery): SeriesQuery {
  const bucket = (q.bucket as string | undefined) ?? 'hour';
  if (bucket !== 'minute' && bucket !== 'hour' && bucket !== 'day') throw bad('invalid-bucket', `"bucket" must be minute, hour or day, got "${bucket}"`);
  const n = bucketCountBound(range, bucket);
  if (n > MAX_BUCKETS) {
    throw bad('too-many-buckets', `${bucket} buckets over this range make about ${n} points; at most ${MAX_BUCKETS}: use a larger bucket or a shorter range`);
  }
  return { ...range, bucket };
}

function integer(q: Query, name: string, fallback: number, min: number, max: number): number {
  const text = q[name] as string | undefined;
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw bad('invalid-parameter', `"${name}" must be an integer from ${min} to ${max}, got "${text}"`);
  return n;
}

function decimal(q: Query, name: string, fallback: number, ok: (n: number) => boolean, expected: string): number {
  const text = q[name] as string | undefined;
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) throw bad('invalid-parameter', `"${name}" must be ${expected}, got "${text}"`);
  return n;
}

function eventName(text: string, param: string): string {
  if (!EVENT_NAME.test(text)) throw bad('invalid-parameter', `"${param}" has "${text}", which is not an event name (snake_case, as stored)`);
  return text;
}

function eventList(q: Query, name: string, max: number): string[] | null {
  const text = q[name] as string | undefined;
  if (text === undefined) return null;
  const names = text.split(',').map((s) => s.trim());
  if (names.length > max) throw bad('invalid-parameter', `"${name}" lists at most ${max} events`);
  return names.map((n) => eventName(n, name));
}

export function parseEventsQuery(q: Query, now: number): SeriesQuery & { events: string[] | null; limit: number } {
  checkNames(q, ['from', 'to', 'tz', 'bucket', 'event', 'limit']);
  const series = readBucket(q, readRange(q, now));
  const events = eventList(q, 'event', 20);
  return { ...series, events: events === null ? null : [...new Set(events)], limit: integer(q, 'limit', 10, 1, 50) };
}

export function parseTopEventsQuery(q: Query, now: number): RangeQuery & { limit: number } {
  checkNames(q, ['from', 'to', 'tz', 'limit']);
  return { ...readRange(q, now), limit: integer(q, 'limit', 20, 1, 1000) };
}

export function parseRangeQuery(q: Query, now: number): RangeQuery {
  checkNames(q, ['from', 'to', 'tz']);
  return readRange(q, now);
}

export function parseAttributionQuery(q: Query, now: number): RangeQuery & { conversion: string; value: string; model: AttributionModel } {
  checkNames(q, ['from', 'to', 'tz', 'conversion', 'value', 'model']);
  const range = readRange(q, now);
  const conversion = eventName((q.conversion as string | undefined) ?? 'purchase_completed', 'conversion');
  const value = (q.value as string | undefined) ?? 'total_value';
  if (!PROPERTY_NAME.test(value)) throw bad('invalid-parameter', `"value" must be a property name (letters, digits, _), got "${value}"`);
  const model = (q.model as string | undefined) ?? 'last';
  if (model !== 'first' && model !== 'last') throw bad('invalid-model', `"model" must be first or last, got "${model}"`);
  return { ...range, conversion, value, model };
}

export function parseFunnelQuery(q: Query, now: number): RangeQuery & { steps: string[] } {
  checkNames(q, ['from', 'to', 'tz', 'steps']);
  const range = readRange(q, now);
  const steps = eventList(q, 'steps', 10);
  if (steps === null || steps.length < 2) throw bad('invalid-parameter', '"steps" must list 2 to 10 events, comma-separated, in funnel order');
  if (new Set(steps).size !== steps.length) throw bad('invalid-parameter', '"steps" must not name an event twice');
  return { ...range, steps };
}

export function parseOutliersQuery(q: Query, now: number): SeriesQuery & { event: string | null; params: OutlierParams } {
  checkNames(q, ['from', 'to', 'tz', 'bucket', 'event', 'z', 'k', 'window', 'alpha']);
  const series = readBucket(q, readRange(q, now));
  const text = q.event as string | undefined;
  const event = text === undefined ? null : eventName(text, 'event');
  const d = DEFAULT_OUTLIER_PARAMS;
  const params: OutlierParams = {
    z: decimal(q, 'z', d.z, (n) => n > 0 && n <= 100, 'a number above 0 (at most 100)'),
    k: decimal(q, 'k', d.k, (n) => n >= 0 && n <= 100, 'a number from 0 to 100'),
    window: integer(q, 'window', d.window, 1, 1000),
    alpha: decimal(q, 'alpha', d.alpha, (n) => n > 0 && n <= 1, 'a number above 0 and at most 1'),
  };
  return { ...series, event, params };
}

/**
 * How events, manifests and profiles become ClickHouse rows and come back, and how values are
 * inlined into SQL. ClickHouse 18.16 has no query parameters (`{x:String}` fails with "Unknown
 * setting param_x", docs/store-facts.md "ClickHouse"), so every value in a query goes through
 * `sqlString` / `sqlInt`, never through string concatenation of raw input.
 */
import type { Channel } from '../../shared/event.js';
import { eventFromColumns, manifestFromColumns, type EventColumns, type ManifestColumns } from './rows.js';
import type { StoredEvent, StoredManifest } from './store.js';

/** A ClickHouse string literal: only `\` and `'` need escaping inside single quotes. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A literal list for `IN (...)`; never empty (ClickHouse refuses `IN ()`). */
export function sqlStringList(values: Iterable<string>): string {
  const parts: string[] = [];
  for (const v of values) parts.push(sqlString(v));
  return parts.length === 0 ? "('')" : `(${parts.join(',')})`;
}

const ID_SEPARATOR = '\x1f';

/**
 * A set of many strings for `IN`, as a subquery splitting one string literal. ClickHouse parses a
 * literal list slowly: for a group of 9,600 ids the check query cost its server 6.2 µs per id as
 * `IN ('a','b',...)`, and 2.8 µs as one literal split at run time (measured here, 18.16). The set
 * from the subquery is still used against the primary key. Falls back to the literal list when an
 * id holds the separator (U+001F, which no real id has).
 */
export function sqlStringSet(values: readonly string[]): string {
  if (values.length === 0 || values.some((v) => v.includes(ID_SEPARATOR))) return sqlStringList(values);
  return `(SELECT arrayJoin(splitByChar('\\x1f', ${sqlString(values.join(ID_SEPARATOR))})))`;
}

export function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The string with any lone UTF-16 surrogate replaced by U+FFFD. JSON lets a client send one
 * (`"\ud800"`), UTF-8 cannot hold it, and ClickHouse refuses the whole INSERT over it ("missing
 * second part of surrogate pair"): one such event would fail every request of its group. The
 * payload column needs no care: JSON.stringify writes lone surrogates as `\ud800` text.
 */
export function wellFormed(value: string): string {
  return SURROGATE.test(value) ? value.replace(LONE_SURROGATE, '\uFFFD') : value;
}

function wellFormedOrNull(value: string | null): string | null {
  return value === null ? null : wellFormed(value);
}

/** Partitions hold months from 1970 to 2105 (DateTime's range); anything outside is clamped. */
const MAX_PARTITION_MS = Date.UTC(2105, 11, 31);

/**
 * The time that decides an event's partition. It must be the same for every copy of one
 * messageId, or two copies would land in different partitions and ReplacingMergeTree (which only
 * merges within a partition) would keep both. `ts` is not: it is corrected by each attempt's
 * clock skew, and `receivedAt` differs per copy. The UUIDv7 time in the id is the same by
 * definition (Homing's SDK mints v7); for other ids, the client's own `timestamp` (the same in
 * every resend of one event), else `ts`.
 */
export function idTime(messageId: string, originalTimestamp: string | undefined, ts: number): number {
  let ms = uuidV7Time(messageId);
  if (ms === null && originalTimestamp) {
    const parsed = Date.parse(originalTimestamp);
    if (Number.isFinite(parsed)) ms = parsed;
  }
  return Math.min(Math.max(ms ?? ts, 0), MAX_PARTITION_MS);
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The 48-bit millisecond timestamp of a UUIDv7 (RFC 9562 §5.7), or null for any other id. */
export function uuidV7Time(id: string): number | null {
  if (id.length !== 36 || !UUID_V7.test(id)) return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** One `events` row as inserted. */
export interface EventRow extends EventColumns {
  /** The partition time every copy of the id agrees on (idTime). */
  id_time: number;
}

export function toEventRow(e: StoredEvent): EventRow {
  const w = wellFormedOrNull;
  return {
    message_id: wellFormed(e.messageId),
    type: e.type,
    event: w(e.event),
    anonymous_id: w(e.anonymousId),
    user_id: w(e.userId),
    ts: e.ts,
    received_at: e.receivedAt,
    sent_at: e.sentAt,
    // The schema allows any integer; one beyond Int64 would fail the whole group's INSERT.
    seq: e.seq !== null && Number.isSafeInteger(e.seq) ? e.seq : null,
    session_id: w(e.sessionId),
    channel: e.channel,
    utm_source: w(e.utmSource),
    utm_medium: w(e.utmMedium),
    utm_campaign: w(e.utmCampaign),
    page_url: w(e.pageUrl),
    page_path: w(e.pagePath),
    payload: e.payloadJson ?? JSON.stringify(e.payload),
    id_time: idTime(e.messageId, e.payload.originalTimestamp, e.ts),
  };
}

/** `events` columns in the order `eventRowsToTsv` writes them. */
export const EVENT_INSERT_COLUMNS = [
  'message_id', 'type', 'event', 'anonymous_id', 'user_id', 'ts', 'received_at', 'sent_at', 'seq', 'session_id', 'channel',
  'utm_source', 'utm_medium', 'utm_campaign', 'page_url', 'page_path', 'payload', 'id_time',
] as const satisfies readonly (keyof EventRow)[];

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value for TabSeparated input: `\N` is NULL; backslash, tab and line breaks are escaped. */
function tsv(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  // indexOf is several times faster than a regex test on a long payload, and escapes are rare.
  if (value.indexOf('\\') < 0 && value.indexOf('\t') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => TSV_ESCAPES[c]);
}

/**
 * The rows as one TabSeparated body, UTF-8. Written by hand because it is the hot path: with
 * JSONEachRow the client JSON.stringifies every row, re-escaping every quote of the payload JSON;
 * TSV only escapes backslashes and line breaks. Each line is encoded into one growing buffer as it
 * is made, which measured 2-3x faster here than building one huge string and encoding it at the
 * end (flattening a string of tens of MB costs as much as writing it).
 */
export function eventRowsToTsv(rows: readonly EventRow[]): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(rows.length * 1024, 4096));
  let used = 0;
  for (const r of rows) {
    const line =
      `${tsv(r.message_id)}\t${tsv(r.type)}\t${tsv(r.event)}\t${tsv(r.anonymous_id)}\t${tsv(r.user_id)}\t${r.ts}\t${r.received_at}\t` +
      `${tsv(r.sent_at)}\t${tsv(r.seq)}\t${tsv(r.session_id)}\t${tsv(r.channel)}\t${tsv(r.utm_source)}\t${tsv(r.utm_medium)}\t` +
      `${tsv(r.utm_campaign)}\t${tsv(r.page_url)}\t${tsv(r.page_path)}\t${tsv(r.payload)}\t${r.id_time}\n`;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (used + line.length * 3 > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, used + line.length * 3));
      buf.copy(bigger, 0, 0, used);
      buf = bigger;
    }
    used += buf.write(line, used);
  }
  return buf.subarray(0, used);
}

/** 64-bit integers come back as JSON strings (`output_format_json_quote_64bit_integers`). */
type Wire<T> = { [K in keyof T]: T[K] extends number ? number | string : T[K] extends number | null ? number | string | null : T[K] };

export type EventRowOut = Wire<Omit<EventRow, 'id_time'>>;

export function fromEventRow(row: EventRowOut, channels: Channel[]): StoredEvent {
  return eventFromColumns(
    { ...row, ts: Number(row.ts), received_at: Number(row.received_at), sent_at: numberOrNull(row.sent_at), seq: numberOrNull(row.seq) },
    channels,
  );
}

/** The event columns as selected, in `EventRowOut` order. */
export const EVENT_COLUMNS =
  'message_id, type, event, anonymous_id, user_id, ts, received_at, sent_at, seq, session_id, channel, ' +
  'utm_source, utm_medium, utm_campaign, page_url, page_path, payload';

export type ManifestRow = ManifestColumns;

export function toManifestRow(m: StoredManifest): ManifestRow {
  return { device_id: wellFormed(m.deviceId), at: m.at, received_at: m.receivedAt, counts: JSON.stringify(m.counts), last_seq: m.lastSeq };
}

export function fromManifestRow(row: Wire<ManifestRow>): StoredManifest {
  return manifestFromColumns({ ...row, at: Number(row.at), received_at: Number(row.received_at), last_seq: numberOrNull(row.last_seq) });
}

function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

/**
 * RFC 7396 JSON merge patch, as SQLite's json_patch applies it to profiles: a key set to null is
 * removed, objects merge key by key, anything else replaces.
 */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (isObject(value)) {
      out[key] = mergePatch(isObject(out[key]) ? (out[key] as Record<string, unknown>) : {}, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The tables' columns as every engine names them (snake_case of `StoredEvent` and
 * `StoredManifest`), and the one mapping from a row read back to the collector's types. Each
 * engine adds its own columns (SQLite `channels`, ClickHouse `id_time`) and reads its own wire
 * types into these first (ClickHouse answers 64-bit integers as strings).
 */
import type { Channel } from '../../shared/event.js';
import type { LossCounts, StoredEvent, StoredManifest, StoredPayload } from './store.js';

export interface EventColumns {
  message_id: string;
  type: string;
  event: string | null;
  anonymous_id: string | null;
  user_id: string | null;
  ts: number;
  received_at: number;
  sent_at: number | null;
  seq: number | null;
  session_id: string | null;
  channel: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  page_url: string | null;
  page_path: string | null;
  /** The stored payload, JSON. */
  payload: string;
}

export interface ManifestColumns {
  device_id: string;
  at: number;
  received_at: number;
  /** The counters, a JSON object. */
  counts: string;
  last_seq: number | null;
}

export function eventFromColumns(row: EventColumns, channels: Channel[]): StoredEvent {
  return {
    messageId: row.message_id,
    type: row.type as StoredEvent['type'],
    event: row.event,
    anonymousId: row.anonymous_id,
    userId: row.user_id,
    ts: row.ts,
    receivedAt: row.received_at,
    sentAt: row.sent_at,
    seq: row.seq,
    sessionId: row.session_id,
    channel: row.channel as Channel | null,
    channels,
    utmSource: row.utm_source,
    utmMedium: row.utm_medium,
    utmCampaign: row.utm_campaign,
    pageUrl: row.page_url,
    pagePath: row.page_path,
    payload: JSON.parse(row.payload) as StoredPayload,
  };
}

export function manifestFromColumns(row: ManifestColumns): StoredManifest {
  return {
    deviceId: row.device_id,
    at: row.at,
    receivedAt: row.received_at,
    counts: JSON.parse(row.counts) as LossCounts,
    lastSeq: row.last_seq,
  };
}

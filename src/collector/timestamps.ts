/**
 * When an event happened, from what its sender stamped: Segment's rules, which every compatible
 * client is written against, with Homing's SDK as one such client.
 *
 * - A client's clock may be wrong, but the interval between capture and send is measured on that
 *   one clock, so the time is `receivedAt - (sentAt - original)`, where `original` is the client's
 *   `originalTimestamp` (analytics-next, RudderStack, the mobile libraries) or else its `timestamp`
 *   (Homing's SDK, analytics-node). This assumes the network transit is negligible next to the
 *   skew; without `sentAt` nothing can be corrected and `original` is used as sent.
 * - A server's time is kept as sent (its `timestamp`, else its `originalTimestamp`, which is where
 *   RudderStack's server library puts it): server libraries let their caller set it to import
 *   history (Segment documents exactly that), and a server's clock is the reference anyway.
 *   "Server" is the channel of an s2s key, or a server library by its `context.library.name`.
 * - No time at all (the HTTP API allows it): the collector's receipt time.
 *
 * `original` is what the client sent, kept in the stored `originalTimestamp`.
 */
import type { Channel } from '../shared/event.js';
import { SERVER_LIBRARIES, libraryName } from './libraries.js';

export interface EventTime {
  /** Epoch ms: the stored `timestamp`. */
  ts: number;
  /** The client's own capture time as sent (`originalTimestamp`, else `timestamp`), or null. */
  original: string | null;
}

export function eventTime(
  event: { timestamp?: string; originalTimestamp?: string; context?: unknown },
  sentAtMs: number | null,
  receivedAtMs: number,
  channel: Channel | null,
): EventTime {
  const original = event.originalTimestamp ?? event.timestamp ?? null;
  const explicit = event.timestamp ?? event.originalTimestamp;
  if (explicit !== undefined && (channel === 'server' || SERVER_LIBRARIES.has(libraryName(event)))) {
    return { ts: Date.parse(explicit), original };
  }
  if (original === null) return { ts: receivedAtMs, original };
  return { ts: correctTimestamp(Date.parse(original), sentAtMs, receivedAtMs), original };
}

/** Segment's skew rule: `receivedAt - (sentAt - original)`; without `sentAt`, `original` itself. */
export function correctTimestamp(originalMs: number, sentAtMs: number | null, receivedAtMs: number): number {
  return sentAtMs === null ? originalMs : receivedAtMs - (sentAtMs - originalMs);
}

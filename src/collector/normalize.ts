/**
 * Turns a validated wire event into the row the store keeps: stamps `receivedAt`, settles the
 * event's time (timestamps.ts), records the channel it came through and the client's (anonymised)
 * IP in `context`, fills a server-side page call's `context.page` from its properties, and lifts
 * the fields reports need into columns.
 */
import type { Channel, WireEvent } from '../shared/event.js';
import type { ConventionPolicy } from './event-policy.js';
import { eventTime } from './timestamps.js';
import type { StoredEvent, StoredPayload } from './store/store.js';

/** Facts about the request that carried the event. */
export interface Arrival {
  /** Epoch ms, collector clock. */
  receivedAt: number;
  /** Epoch ms of the batch envelope's `sentAt` (client clock), or null when absent or unusable. */
  batchSentAt: number | null;
  /**
   * The endpoint the event came through. It replaces `context.channel`, so a public client cannot
   * pass its events off as server-sent. Without it the event's own `context.channel` is kept.
   */
  channel?: Channel;
  /**
   * The client's IP as it may be stored (anonymised unless the collector keeps full addresses), or
   * null when unknown. It replaces `context.ip`; without it `context.ip` is left as sent.
   */
  ip?: string | null;
  /**
   * Server-to-server only: a sender that knows the end user's IP puts it in `context.ip`; this
   * turns it into its storable form (null when it is not an IP, and then `ip` is used).
   */
  senderIp?: (sent: string) => string | null;
  /** The convention policy of the key the request carried, when the keys file gives it one. */
  keyPolicy?: ConventionPolicy;
  /** The key's loggable id (never the key), naming the sender in log lines. */
  keyId?: string;
}

/**
 * Returns the normalizer for one request's events. It takes ownership of each event: the event
 * object itself becomes the payload (timestamp corrected, `originalTimestamp` and `receivedAt`
 * added) instead of being copied. The route owns the freshly parsed body, and copying every event
 * cost about 1.5 µs, a tenth of the per-event ingest time.
 */
export function createNormalizer(arrival: Arrival): (event: WireEvent) => StoredEvent {
  // Same instant for the whole request: format it once, not per event.
  const receivedAtIso = new Date(arrival.receivedAt).toISOString();
  return (event) => normalize(event, arrival, receivedAtIso);
}

/** One event; same ownership rule as `createNormalizer`. */
export function toStoredEvent(event: WireEvent, arrival: Arrival): StoredEvent {
  return normalize(event, arrival, new Date(arrival.receivedAt).toISOString());
}

function normalize(event: WireEvent, arrival: Arrival, receivedAtIso: string): StoredEvent {
  // The event's own sentAt wins: when a relay forwards events from several clients, it is the one
  // stamped by the clock that also stamped `timestamp`.
  const sentAt = event.sentAt !== undefined ? Date.parse(event.sentAt) : arrival.batchSentAt;
  const time = eventTime(event, sentAt, arrival.receivedAt, arrival.channel ?? null);

  const payload = event as StoredPayload;
  payload.originalTimestamp = time.original ?? receivedAtIso;
  payload.timestamp = new Date(time.ts).toISOString();
  payload.receivedAt = receivedAtIso;
  const ts = time.ts;

  if (arrival.channel !== undefined || arrival.ip !== undefined) stampContext(payload, arrival);
  if (event.type === 'page') pageFromProperties(payload);

  // The schema checks only `channel` and `homing` inside `context`; other SDKs may send anything
  // else there, so every lifted field is type-checked and falls back to null.
  const context = record(event.context);
  const homing = record(context.homing);
  const campaign = record(context.campaign);
  const page = record(context.page);

  return {
    messageId: event.messageId,
    type: event.type,
    event: str(event.event),
    anonymousId: str(event.anonymousId),
    userId: str(event.userId),
    ts,
    receivedAt: arrival.receivedAt,
    sentAt,
    seq: typeof homing.seq === 'number' ? homing.seq : null,
    sessionId: str(homing.sessionId),
    channel: str(context.channel) as Channel | null,
    utmSource: str(campaign.source),
    utmMedium: str(campaign.medium),
    utmCampaign: str(campaign.name),
    pageUrl: str(page.url),
    pagePath: str(page.path),
    payload,
  };
}

function stampContext(payload: StoredPayload, arrival: Arrival): void {
  // The schema allows an event without context; the channel and IP need one.
  if (typeof payload.context !== 'object' || payload.context === null) payload.context = {} as StoredPayload['context'];
  const context = payload.context as Record<string, unknown>;
  if (arrival.channel !== undefined) context.channel = arrival.channel;
  if (arrival.ip === undefined) return;
  const sent = context.ip;
  const fromSender = arrival.senderIp && typeof sent === 'string' ? arrival.senderIp(sent) : null;
  const ip = fromSender ?? arrival.ip;
  if (ip === null) delete context.ip;
  else context.ip = ip;
}

/**
 * A page call from a server library (analytics-node's `page({ properties: { url, path, … } })`)
 * carries the page in `properties`, where Segment's Spec puts it; browsers fill `context.page`.
 * Reports read `context.page`, so a page call without one gets it from its properties (the path
 * from the URL when no `path` is given).
 */
function pageFromProperties(payload: StoredPayload): void {
  const context = payload.context as Record<string, unknown> | undefined;
  if (context && typeof context.page === 'object' && context.page !== null) return;
  const props = record(payload.properties);
  const url = str(props.url);
  let path = str(props.path);
  if (url === null && path === null) return;
  if (path === null && url !== null) path = pathOf(url);
  const page: Record<string, string> = {};
  if (url !== null) page.url = url;
  if (path !== null) page.path = path;
  for (const field of ['title', 'referrer', 'search'] as const) {
    const value = str(props[field]);
    if (value !== null) page[field] = value;
  }
  if (context) context.page = page;
  else payload.context = { page } as unknown as StoredPayload['context'];
}

function pathOf(url: string): string | null {
  try {
    return new URL(url).pathname;
  } catch {
    return null;
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The wire format: Segment Spec events plus Homing's own `context.homing`.
 * See ../../docs/how-it-works.md#wire-format and https://segment.com/docs/connections/spec/common/
 * Types only; no runtime code, so every bundle can import it for free.
 */

export type EventType = 'track' | 'page' | 'screen' | 'identify' | 'alias' | 'group';

/**
 * How an event reached the collector: a web page, a native or React Native app (Segment's mobile
 * libraries), the pixel, or a site's server (an s2s key).
 */
export type Channel = 'browser' | 'app' | 'pixel' | 'server';

export type Properties = Record<string, unknown>;

export interface PageContext {
  url: string;
  path: string;
  search: string;
  title: string;
  referrer: string;
}

/** UTM parameters (Segment names) and ad click ids, from the page URL. */
export interface CampaignContext {
  source?: string;
  medium?: string;
  name?: string;
  term?: string;
  content?: string;
  gclid?: string;
  fbclid?: string;
  msclkid?: string;
}

export interface HomingContext {
  /** Per-device, monotonic; assigned when the event is committed to the outbox, so a gap means loss. */
  seq: number;
  /** A session ends after 30 minutes without events or 24 hours after it began. */
  sessionId?: string;
  /** Position of the event in its session, from 1. */
  sessionSeq?: number;
  /** The campaign that started the session (`context.campaign` is the latest one). */
  firstTouch?: CampaignContext;
}

export interface WireContext {
  channel: Channel;
  library: { name: string; version: string };
  page?: PageContext;
  campaign?: CampaignContext;
  userAgent?: string;
  screen?: { width: number; height: number; density: number };
  viewport?: { width: number; height: number };
  locale?: string;
  timezone?: string;
  consent?: Record<string, boolean>;
  homing?: HomingContext;
  [key: string]: unknown;
}

/** One event as it travels from the service worker to the collector. */
export interface WireEvent {
  type: EventType;
  /** The event's name; `track` only. snake_case in Homing's convention (shared/schemas/naming.ts). */
  event?: string;
  /** Page or screen name; `page` and `screen` only. */
  name?: string;
  properties?: Properties;
  traits?: Properties;
  messageId: string;
  anonymousId?: string;
  userId?: string | null;
  previousId?: string;
  groupId?: string;
  /** ISO 8601, when the page captured the call. */
  timestamp: string;
  /** ISO 8601, set on each delivery attempt. */
  sentAt?: string;
  /** ISO 8601, set by the collector. */
  receivedAt?: string;
  context: WireContext;
}

/** Body of `POST /v1/batch`. */
export interface BatchBody {
  batch: WireEvent[];
  /** Optional, as in Segment; without it the collector uses each event's own `sentAt`. */
  sentAt?: string;
  /** The device's loss counters when the batch was sent; Homing's SDK only. */
  manifest?: LossManifest;
  /**
   * The site's write key, when its collector requires one. In the body (Segment's convention), not a
   * header: it is public anyway (it sits in the page), and a body field survives every transport.
   */
  writeKey?: string;
}

/** What happened on one device to the events it captured, as cumulative counters since install. */
export interface LossManifest {
  /** The device's anonymousId when the manifest was sent. */
  deviceId: string;
  /** Epoch ms on the device clock. */
  at: number;
  /** Cumulative counts by reason. */
  counts: { captured?: number; stored?: number; delivered?: number; duplicate?: number; rejected?: number; evicted?: number; expired?: number; consent?: number; invalid?: number; debounced?: number; throttled?: number; wiped?: number };
  /** The highest device sequence number assigned so far. */
  lastSeq?: number;
}

export interface RejectedReceipt {
  /** `''` when the event had no usable messageId; `index` then says which one it was. */
  messageId: string;
  code: string;
  reason: string;
  /** Position of the event in the batch. */
  index?: number;
}

/** Answer of `POST /v1/batch`: every event of the batch is in exactly one list. */
export interface BatchReceipts {
  accepted: string[];
  duplicate: string[];
  rejected: RejectedReceipt[];
}

/**
 * An event's eviction priority in the outbox: under its storage budget, `low` events go first and
 * `critical` ones last. Set per event name by the page (`priorities`) or the site's SW.
 */
export type Priority = 'low' | 'normal' | 'critical';

/**
 * What the collector needs from a storage engine, and nothing engine-specific. SQLite is the
 * embedded default (./sqlite.ts, run on a worker thread by ./worker-store.ts); a scale-out engine
 * implements the same contract.
 *
 * The contract that makes "exactly once in effect" hold: `insertBatch` is atomic per call and
 * reports, per id, whether this call stored it or it was already there. The HTTP layer answers
 * receipts only from that report, so a receipt never claims more than what is durable.
 *
 * Methods may answer directly or with a promise: the in-thread SQLite store is synchronous, the
 * worker-thread one is not, and the routes await either.
 */
import type { Channel, EventType, LossManifest, WireEvent } from '../../shared/event.js';

/** The event as the collector keeps it: the wire event plus what the collector adds. */
export interface StoredPayload extends WireEvent {
  /** ISO 8601, when the collector received the request. */
  receivedAt: string;
  /** The `timestamp` the client sent, before clock-skew correction. */
  originalTimestamp: string;
}

/**
 * One row: the columns reports filter and group on, plus the whole payload. Columns are derived
 * from the payload, never the other way round, so the payload is the source of truth.
 */
export interface StoredEvent {
  messageId: string;
  type: EventType;
  /** Event name (`track` only). */
  event: string | null;
  anonymousId: string | null;
  userId: string | null;
  /** Capture time, epoch ms, corrected for the client's clock skew. */
  ts: number;
  /** Epoch ms, set by the collector. */
  receivedAt: number;
  /** Epoch ms of the delivery attempt that stored the event, by the client's clock. */
  sentAt: number | null;
  /** `context.homing.seq`: per-device sequence number, for loss (gap) reports. */
  seq: number | null;
  sessionId: string | null;
  /** The channel of the copy that was stored (the first to arrive). */
  channel: Channel | null;
  /**
   * Every channel a copy of the event came through, in order of arrival; filled when read back
   * (on insert the store starts it with `channel`, and a duplicate from another channel adds its).
   */
  channels?: Channel[];
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  pageUrl: string | null;
  pagePath: string | null;
  payload: StoredPayload;
  /** `payload` as JSON when the caller has serialised it already, so the store need not again. */
  payloadJson?: string;
}

/** Every id of the call is in exactly one list. */
export interface InsertResult {
  /** Stored by this call. */
  inserted: string[];
  /** Already stored before this call (the first copy wins; later copies are not merged). */
  duplicate: string[];
  /**
   * Only when the call had a manifest: `'stored'` when it became the device's latest, `'stale'`
   * when the store already held one with a later `at` (batches can arrive out of order).
   */
  manifest?: 'stored' | 'stale';
}

/** Cumulative loss counters by reason (the names of `LossManifest['counts']`). */
export type LossCounts = LossManifest['counts'];

/**
 * The latest loss manifest of one device, as the collector keeps it: one per device, the one with
 * the highest `at` (device clock) received so far.
 */
export interface StoredManifest {
  deviceId: string;
  /** Epoch ms, device clock: when the device sent it. */
  at: number;
  /** Epoch ms, collector clock: when the collector received it. */
  receivedAt: number;
  /** Only the known reasons, each a non-negative integer. */
  counts: LossCounts;
  /** The highest sequence number the device had assigned, or null when it did not say. */
  lastSeq: number | null;
}

/** What `eraseUser` removed. */
export interface ErasureResult {
  /** Events removed: the user's own, and the anonymous ones of devices seen with the user. */
  events: number;
  /** Anonymous ids seen together with the user, whose events went too. */
  anonymousIds: number;
  /** 1 when the user had a profile (from `identify` traits), else 0. */
  profiles: number;
  /** Loss manifests of those devices. */
  manifests: number;
}

/** A user's traits, merged from their `identify` calls (later calls win per trait). */
export interface StoredProfile {
  userId: string;
  traits: Record<string, unknown>;
  /** Epoch ms (`ts` of the identify calls). */
  firstSeen: number;
  lastSeen: number;
}

export type Awaitable<T> = T | Promise<T>;

/**
 * Ingest outcomes per minute of receipt, for the data-quality report: counters the collector adds
 * to (reports/quality-recorder.ts batches them), so they survive restarts. Rejected events have no
 * reliable id, so everything is counted, not listed.
 */
export interface QualityCount {
  /** Epoch ms of the minute's start (collector clock). */
  minute: number;
  kind: 'accepted' | 'duplicate' | 'rejected' | 'flagged';
  /** The channel the copies came through. */
  channel: string;
  /**
   * The receipt code of a rejection; the rule of a flagged event (`event-name`, `property-name`,
   * `site-schema`), or `''` for the flagged events themselves (each once, whatever rules it broke);
   * `''` for the other kinds.
   */
  code: string;
  count: number;
}

export interface EventStore {
  /**
   * Stores the events that are new, in one transaction: either every new event of the call is
   * durable when this returns, or it throws and none is. Callers must not pass the same
   * `messageId` twice in one call (the batch route removes in-batch repeats first).
   *
   * A `manifest` is written in the same transaction (so it is durable exactly when the events
   * are), replacing the device's stored one unless that one has a later `at`. It is written even
   * when `events` is empty.
   */
  insertBatch(events: readonly StoredEvent[], manifest?: StoredManifest): Awaitable<InsertResult>;
  /**
   * Removes everything about one user (GDPR erasure): every event with this `userId`; the
   * anonymous events (no `userId`) of every `anonymousId` seen together with it, since those
   * are the same person before they logged in; the loss manifests of those devices; and the
   * profile. Events another user sent from a shared device are kept.
   */
  eraseUser(userId: string): Awaitable<ErasureResult>;
  /** Number of stored events. */
  count(): Awaitable<number>;
  getEvent(messageId: string): Awaitable<StoredEvent | undefined>;
  /** The device's latest loss manifest (highest `at`), if it ever sent one. */
  getManifest(deviceId: string): Awaitable<StoredManifest | undefined>;
  getProfile(userId: string): Awaitable<StoredProfile | undefined>;
  /** Adds to the quality counters (one transaction); engines without them leave it out. */
  addQualityCounts?(counts: readonly QualityCount[]): Awaitable<void>;
  /** Waits for work in progress, then releases the store. Idempotent. */
  close(): Awaitable<void>;
}

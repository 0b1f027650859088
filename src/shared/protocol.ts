/**
 * Every message that crosses a context boundary: page ↔ worker (comlink), worker ↔ service worker
 * (a MessagePort the page hands to both), page → service worker (controller.postMessage).
 * Types and one constant only. Our own messages carry `op`, never `type`, because comlink's
 * `expose` listens on the same global and claims messages that have a `type` (docs/browser-facts.md "Workers and ports").
 */
import type { DeviceCheckpoint } from './device-checkpoint.js';
import type { CaptureBatch } from './capture-batch.js';
import type { PageContext, Properties, EventType, WireEvent } from './event.js';
import type { ErrorCounts, ErrorReporter } from './errors.js';

export const PROTOCOL_VERSION = 1;

/**
 * The worker's start-up handshake (client/worker-endpoint.ts): the worker says `WorkerReady` once
 * its script runs; the page answers `ConnectWorker` with the port that carries everything else
 * (comlink), whose messages queued meanwhile. Types, not constants: each side checks the literal,
 * so no shared chunk lands on the page's critical path for them.
 */
export interface WorkerReady {
  op: 'worker-ready';
}

/** Page → worker, with the comlink port as its one transferred port. */
export interface ConnectWorker {
  op: 'connect';
}

/**
 * One call captured on the main thread: the page mints the id and the time, nothing more.
 * `reset` and `consent` are not events: they change the device's state, in order with the events
 * around them, so they travel in the same stream.
 */
export interface Capture {
  type: EventType | 'reset' | 'consent';
  messageId: string;
  /** Epoch ms at capture. */
  ts: number;
  event?: string;
  name?: string;
  properties?: Properties;
  traits?: Properties;
  userId?: string;
  previousId?: string;
  groupId?: string;
  /** The page as it was when the call was made (the worker cannot see `location`). */
  page: PageContext;
  viewport?: { width: number; height: number };
  /** `consent` only: purposes granted or denied. */
  consent?: Record<string, boolean>;
  /** The call's number on its page, from 0 (capture-batch.ts); names the page and the call to the outbox (call-numbers.ts). */
  n?: number;
}

/** Facts only the page can know, sent once when the worker starts. */
export interface PageEnvironment {
  userAgent: string;
  locale: string;
  /**
   * Absent from what the page sends: the enricher (worker, or SW on hand-off) reads the time zone
   * itself, because its first read on the page was a 36–63 ms task (capture/time-zone.ts).
   */
  timezone?: string;
  screen: { width: number; height: number; density: number };
}

/** In the persist stream: the session ends here (`reset()`), so the next event starts a new one. */
export interface ResetMarker {
  type: 'reset';
  ts: number;
}

export type PersistItem = WireEvent | ResetMarker;

/** Purposes by name (`analytics`, `marketing`, or any string the site uses): granted or denied. */
export type ConsentState = Record<string, boolean>;

/**
 * What an event needs before it may leave the browser, kept beside it in the outbox (never sent).
 * The deliverer checks it against the device's consent at send time (docs/consent.md).
 */
export interface Gate {
  /** Purposes that must all be granted (anonymous events: that none is denied). */
  needs: string[];
  /** Captured before a decision (`buffer`): dropped, and counted as `consent`, after this epoch ms. */
  until?: number;
  /** Captured before a decision (`anonymous`): no stored identifier, no sequence number, no session. */
  anonymous?: true;
}

/** `homing.init({ consent })`: see docs/consent.md and DEFAULTS.consent. */
export interface ConsentOptions {
  /** Purposes every event needs. */
  required?: string[];
  /** What happens to events captured before a decision. */
  policy?: 'buffer' | 'drop' | 'anonymous';
  /** `buffer`: how long undecided events are kept before they are dropped. */
  bufferMs?: number;
  /** Purposes some events need on top of `required`, by event name (`type` for non-track events). */
  purposes?: Record<string, string>;
  /** `navigator.doNotTrack === '1'` denies every purpose. */
  honorDnt?: boolean;
  /** `navigator.globalPrivacyControl === true` denies `marketing`. */
  honorGpc?: boolean;
  /** Read the IAB TCF v2 API (`__tcfapi`). */
  tcf?: boolean;
  /** Read Google Consent Mode's `gtag('consent', ...)` commands from the dataLayer. */
  consentMode?: boolean;
}

export type PiiAction = 'hash' | 'redact' | 'keep';

export interface PiiOptions {
  email?: PiiAction;
  phone?: PiiAction;
  card?: PiiAction;
}

/** Browser privacy signals, read on the page (the worker cannot see `navigator.doNotTrack`). */
export interface PrivacySignals {
  dnt: boolean;
  gpc: boolean;
}

/** The page's privacy configuration, passed through as given; the worker and the SW apply defaults. */
export interface PrivacyInit {
  consent?: ConsentOptions;
  pii?: PiiOptions;
  urlParams?: string[];
  /** Set by the consent chunk once it has read them. */
  signals?: PrivacySignals;
}

/** Worker → service worker: persist these events; answered by a `PersistAck` with the same `id`. */
export interface PersistMessage {
  v: typeof PROTOCOL_VERSION;
  op: 'persist';
  id: number;
  events: PersistItem[];
  /** What the worker dropped since its last persist (invalid, debounced, throttled), for the loss manifest. */
  dropped?: Record<string, number>;
  /** Consent gates by messageId, for the events that have one (only with a `consent` configuration). */
  gates?: Record<string, Gate>;
  /** The page's call numbers of these events, and of the calls settled without one (call-numbers.ts). */
  calls?: CallNumbers;
}

/**
 * What the outbox needs to take each of a page's calls once (shared/call-numbers.ts): the page,
 * each event's number on it, and the numbers settled without an event to store.
 */
export interface CallNumbers {
  /** `pageKey()` of the page's calls. */
  page: string;
  /** Call number by messageId. An event whose number the outbox has already taken is not stored again. */
  numbers: Record<string, number>;
  /** Numbers settled without an event (dropped by the worker's rules), as ranges; recorded as taken. */
  settled?: number[];
}

/** Service worker → worker: the events of request `id` are committed to IndexedDB (or not). */
export interface PersistAck {
  v: typeof PROTOCOL_VERSION;
  op: 'ack';
  id: number;
  ok: boolean;
  /** How many events were new (a resend after a lost ack stores nothing twice). */
  stored: number;
  error?: string;
}

/** Page → service worker, with the port whose other end the worker holds. */
export interface ConnectMessage {
  v: typeof PROTOCOL_VERSION;
  op: 'connect';
}

/** Page → service worker: try delivering now (online, visible, explicit flush). */
export interface FlushMessage {
  v: typeof PROTOCOL_VERSION;
  op: 'flush';
  reason: string;
}

/**
 * What a delivery attempt left: `flush()`'s public result, the deliverer's (outbox/deliver.ts),
 * and the body of the service worker's FlushedMessage.
 */
export interface FlushResult {
  /** Events the collector took in this delivery attempt (from every tab of the origin). */
  delivered: number;
  /** Events still in the origin's outbox afterwards, held for a consent decision included; -1 when it could not be read. */
  pending: number;
}

/** Service worker → page (answer on the port transferred with a FlushMessage). */
export interface FlushedMessage extends FlushResult {
  v: typeof PROTOCOL_VERSION;
  op: 'flushed';
  /**
   * The device as the outbox knows it after the flush, for the page's checkpoint cookie
   * (shared/device-checkpoint.ts), with its stored consent: the page writes the cookie only when it
   * has no consent configuration or something is granted. Null while the device has no id.
   */
  device?: DeviceCheckpoint | null;
  consent?: ConsentState | null;
}

/**
 * Page → service worker on `pagehide`: the calls the worker has not acknowledged yet, so closing
 * the tab right after `track()` loses nothing. The SW enriches, validates and stores them itself;
 * a call the worker also stored is kept once (same messageId).
 */
export interface HandoffMessage {
  v: typeof PROTOCOL_VERSION;
  op: 'handoff';
  calls: Capture[];
  env: PageEnvironment;
  privacy?: PrivacyInit;
}

export type WorkerToSw = PersistMessage;
export type SwToWorker = PersistAck;
export type PageToSw = ConnectMessage | FlushMessage | HandoffMessage;

/** Counters the worker keeps; `stats()` returns them merged with the page's own. */
export interface WorkerStats {
  received: number;
  persisted: number;
  /** Received, not yet persisted nor dropped. */
  pending: number;
  /** Failed validation; kept in the quarantine store with the reason. */
  invalid: number;
  /** Dropped by a debounce rule (a later call of the same name replaced them). */
  debounced: number;
  /** Dropped by a throttle rule. */
  throttled: number;
  /** Dropped or purged for want of consent (the worker's own, and what its withdrawals purged). */
  consent: number;
  relinks: number;
  errors: ErrorCounts;
  /** The origin's outbox (shared by every tab), or null when IndexedDB could not be read. */
  outbox: OutboxStats | null;
}

/** The outbox's size and cumulative outcomes since this browser installed Homing. */
export interface OutboxStats {
  /** Events waiting to be delivered, and their bytes. */
  pending: number;
  bytes: number;
  /** Events committed to the outbox. */
  stored: number;
  /** Receipts: stored by the collector, already stored there (a resend or a copy), refused. */
  delivered: number;
  duplicate: number;
  rejected: number;
  /** Dropped by the storage budget, or past the retention time, before delivery. */
  evicted: number;
  expired: number;
  /** Events kept in the dead-letter store (refused by the collector, with its reason). */
  deadLetter: number;
}

/** Per event name: keep the last call of a burst (debounce) or the first (throttle). */
export interface EventRule {
  debounceMs?: number;
  throttleMs?: number;
}

/**
 * What the worker exposes through comlink. Generic over the port type because shared code sees no
 * platform library; the client and the worker both instantiate it with their `MessagePort`.
 */
export interface WorkerApi<Port> {
  /**
   * `requestLink` and `report` are comlink proxies: the worker calls the first when its port to the
   * SW went silent, the second for every error code the page's `onError` should hear.
   */
  init(config: WorkerConfig, requestLink: () => void, report: ErrorReporter): void;
  /**
   * The page's calls, in columns (capture-batch.ts). Resolves once every call is settled: durable
   * (committed to IndexedDB) or dropped by a rule or by validation (then counted). Resolves with
   * how many became durable.
   */
  capture(batch: CaptureBatch): Promise<number>;
  /** Hand the current batch to the service worker now (the page is being hidden). */
  flush(): void;
  /** The page's privacy signals; with `honorDnt`/`honorGpc` the worker waits for them before processing. */
  signals(signals: PrivacySignals): void;
  /** A fresh port to the service worker; the old one may be dead (the SW stopped). */
  link(port: Port | null): void;
  stats(): Promise<WorkerStats>;
}

/** The page → worker configuration, posted once with `init`. */
export interface WorkerConfig {
  v: typeof PROTOCOL_VERSION;
  collector: string;
  /** The site's write key, for delivering from the worker when there is no service worker. */
  writeKey?: string;
  env: PageEnvironment;
  /** Whether a service worker will ever answer; if not, the worker keeps and delivers events itself. */
  serviceWorker: boolean;
  debug: boolean;
  rules: Record<string, EventRule>;
  /** A site's compiled schemas (`homing-schemas compile`), loaded with importScripts. */
  schemasUrl?: string;
  privacy?: PrivacyInit;
  /**
   * `document.cookie`, for the device checkpoint (shared/device-checkpoint.ts): the worker reads
   * its own cookie from it and keeps nothing else. Sent whole because parsing it on the page would
   * cost bytes on the critical path, and the worker is the page's own origin.
   */
  cookies?: string;
}

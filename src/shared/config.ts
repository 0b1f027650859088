/**
 * Every default in one place. An option that is not here does not exist.
 */

export const LIBRARY_NAME = 'homing';
export const LIBRARY_VERSION = '0.1.0';

/** What the page's client needs; kept apart so the main-thread bundle carries nothing else. */
export const CLIENT_DEFAULTS = {
  /** Where the service worker (or, without one, the worker) POSTs batches. */
  collector: 'http://127.0.0.1:8787',
  /** URL of the worker bundle, resolved against the page. */
  workerUrl: '/homing-worker.js',
  /** URL of the service worker script; `false` when the site merges Homing into its own SW. */
  swUrl: '/homing-sw.js',
  swScope: '/',
  /** While a page is open and visible it asks the SW to deliver on this period. */
  flushIntervalMs: 30_000,
} as const;

/** The worker's and the service worker's. */
export const DEFAULTS = {
  collector: CLIENT_DEFAULTS.collector,
  /**
   * Most events in one worker → SW persist (one outbox segment). Larger than a delivery batch: each
   * IndexedDB row is a round trip to the browser process, so fewer, larger rows persist faster.
   */
  persistMaxEvents: 2000,
  /**
   * The worker hands a batch to the service worker when it holds this many events, this many bytes
   * of JSON, or when the oldest has waited this long; at once when the page is hidden.
   */
  handoffEvents: 50,
  handoffBytes: 64 * 1024,
  handoffWaitMs: 1_000,
  /** A session ends after this long without events, or this long after it began. */
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 24 * 60 * 60_000,
  /** Worker → SW: how long to wait for a persist ack before assuming the port is dead. */
  persistAckTimeoutMs: 2_000,
  /** Delivery: most events and bytes (JSON, before compression) in one request. */
  batchMaxEvents: 500,
  batchMaxBytes: 256 * 1024,
  /** How long one delivery request may take before its outcome counts as unknown. */
  deliveryTimeoutMs: 15_000,
  /** Backoff after an unknown outcome: full jitter between 0 and min(max, base·2^n). */
  retryBaseMs: 1_000,
  retryMaxMs: 5 * 60_000,
  /** Events older than this are dropped from the outbox, and counted as `expired`. */
  retentionMs: 7 * 24 * 60 * 60_000,
  /** Storage budget of the outbox; over it, low-priority events are evicted first (counted). */
  storageMaxEvents: 100_000,
  storageMaxBytes: 50 * 1024 * 1024,
  /** Never take more than this share of the origin's quota (`navigator.storage.estimate()`). */
  storageQuotaShare: 0.5,
} as const;

/** IndexedDB names shared by the worker (fallback path) and the service worker. */
export const DB_NAME = 'homing';

/** Collector defaults. */
export const COLLECTOR_DEFAULTS = {
  port: 8787,
  host: '127.0.0.1',
  db: 'data/homing.sqlite',
  /** Largest accepted request body (after decompression). */
  bodyLimitBytes: 1024 * 1024,
  /** Most events in one batch. */
  maxBatchEvents: 1000,
} as const;

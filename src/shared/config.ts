/**
 * Every default in one place. An option that is not here does not exist.
 */
import { CLIENT_DEFAULTS } from './client-defaults.js';

export const LIBRARY_NAME = 'homing';
/**
 * packages/homing/package.json's `version`, put in by build.mjs (esbuild `define`). Unbundled
 * (vitest, tsc) there is nothing to replace it, so it reads as `0.0.0-dev`.
 */
declare const __HOMING_VERSION__: string | undefined;
export const LIBRARY_VERSION: string = typeof __HOMING_VERSION__ === 'string' ? __HOMING_VERSION__ : '0.0.0-dev';

/**
 * What the page's client needs lives in its own module, so the main-thread bundle carries nothing
 * else: esbuild cannot drop an unused object whose values include arithmetic (`64 * 1024`), so any
 * import of this file would bring every default below onto the page's critical path.
 */
export { CLIENT_DEFAULTS };

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
  /** Worker → SW: how long to wait for a persist ack before assuming the port is dead... */
  persistAckTimeoutMs: 2_000,
  /** ...doubling after each silence, up to this. */
  persistAckMaxTimeoutMs: 30_000,
  /** A persist that failed (quota, IndexedDB error) is retried after retryBaseMs, doubling up to this. */
  persistRetryMaxMs: 30_000,
  /** Delivery: most events and bytes (JSON, before compression) in one request. */
  batchMaxEvents: 500,
  batchMaxBytes: 256 * 1024,
  /** How long one delivery request may take before its outcome counts as unknown. */
  deliveryTimeoutMs: 15_000,
  /**
   * A deliverer that waited this long for the delivery lock takes it over: a batch holds it for one
   * request (deliveryTimeoutMs) and a few IndexedDB operations, so a longer hold is a hung holder
   * (outbox/delivery-lock.ts).
   */
  deliveryLockStealMs: 25_000,
  /** Backoff after an unknown outcome: full jitter between 0 and min(max, base·2^n). */
  retryBaseMs: 1_000,
  retryMaxMs: 5 * 60_000,
  /**
   * ...but at most this long after a try that got no answer at all (network error, timeout): an
   * outage of the network ends without a word in WebKit (no `online` event, no Background Sync),
   * so the service worker probes for it. A failed connection costs nothing to the collector.
   */
  unreachableRetryMaxMs: 5_000,
  /** Events older than this are dropped from the outbox, and counted as `expired`. */
  retentionMs: 7 * 24 * 60 * 60_000,
  /** Looking for such events reads the whole outbox: at most this often per context. */
  expirySweepMs: 60 * 60_000,
  /** Storage budget of the outbox; over it, low-priority events are evicted first (counted). */
  storageMaxEvents: 100_000,
  storageMaxBytes: 50 * 1024 * 1024,
  /** Never take more than this share of the origin's quota (`navigator.storage.estimate()`). */
  storageQuotaShare: 0.5,
  /** `consent: {...}` defaults (docs/consent.md). */
  consent: {
    /** Purposes every event needs. */
    required: ['analytics'],
    /** Events captured before a decision are kept in the outbox, undelivered... */
    policy: 'buffer',
    /** ...for at most this long, then dropped and counted as `consent`. */
    bufferMs: 30 * 60_000,
    /** With honorDnt/honorGpc the worker waits this long for the page's signals before going on without them. */
    signalsWaitMs: 3_000,
  },
  /** PII guards on property and trait values, on whenever `consent` or `pii` is configured. */
  pii: { email: 'hash', phone: 'redact', card: 'redact' },
  /** Query parameters kept in `context.page` URLs, whenever `consent` or `urlParams` is configured. */
  urlParams: ['utm_*', 'gclid', 'fbclid', 'msclkid'],
} as const;

/** IndexedDB names shared by the worker (fallback path) and the service worker. */
export const DB_NAME = 'homing';

/**
 * Collector defaults. Declared exceptions, kept beside their code because they are limits of a
 * format or bounds of internal bookkeeping rather than settings: the report API's bounds
 * (reports/query.ts, buckets.ts, loss.ts, live/filter.ts, live/live-event.ts), the log
 * throttles' windows (ingest.ts, refused-origins.ts), the lingering close (server.ts), the ClickHouse
 * erasure's batching (store/clickhouse-erase.ts) and the SQLite worker's group size.
 */
export const COLLECTOR_DEFAULTS = {
  port: 8787,
  host: '127.0.0.1',
  db: 'data/homing.sqlite',
  /** Largest accepted request body (after decompression) on the routes that do not take events. */
  bodyLimitBytes: 1024 * 1024,
  /**
   * Largest request to an event route, after decompression: Segment's documented limit for a
   * batch (500 KB), which Segment-compatible clients size their batches by (analytics-node sends up
   * to that, whatever the event count). Homing's service worker sends at most 256 KB.
   */
  maxBatchBytes: 500 * 1024,
  /**
   * What the collector does with an event from a library other than Homing's that breaks Homing's
   * naming convention or a site's schema (src/collector/event-policy.ts): `flag` stores and counts
   * it, because those clients read no receipts and Segment's own Spec names events `Order Completed`.
   */
  conventions: 'flag',
  /** Deepest JSON nesting accepted in a body (a Homing event nests about 5 levels). */
  maxJsonDepth: 64,
  /**
   * Requests per second per client IP (per /64 for IPv6) and per key, refilled continuously, with
   * bursts of `rateLimitBurstSeconds` worth. Set above what one collector process ingests (about
   * 1,000 requests of 100 events per second on 2 cores), so they stop floods and never throttle
   * the benches or the e2e tests; lower them for a public deployment (docs/collector.md).
   */
  rateLimitPerIp: 5_000,
  rateLimitPerKey: 10_000,
  rateLimitBurstSeconds: 2,
  /** Rate-limit buckets kept in memory; idle ones are dropped first beyond this. */
  rateLimitMaxTracked: 100_000,
  /** A client must send its whole header block within the first, and its whole request within the second. */
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  /** Idle keep-alive connections close after this. */
  keepAliveTimeoutMs: 72_000,
  /** Without `mid`, pixel hits with the same parameters, IP and User-Agent in this window are one event. */
  pixelDedupWindowMs: 60_000,
  /** The keys file is also checked this often (a file watcher alone misses some editors and mounts). */
  keysPollMs: 2_000,
  /** Events waiting for the SQLite worker beyond which requests get 503 + Retry-After. */
  maxQueuedEvents: 100_000,
  /**
   * ClickHouse group commit (`--db clickhouse://...`): requests' events go into one INSERT of up to
   * this many rows, or after this many ms of waiting. ClickHouse makes a part per INSERT: a few
   * large ones a second is what it ingests fastest (100-row inserts: ~18k events/s here; 10,000:
   * ~99k); 50 ms bounds both the parts per second and the latency a request adds.
   */
  clickhouseBatchRows: 20_000,
  clickhouseBatchMs: 50,
  /** ClickHouse client timeouts: one insert or query of the store, one erasure (mutations), one report query. */
  clickhouseRequestTimeoutMs: 30_000,
  clickhouseErasureTimeoutMs: 60_000,
  clickhouseReportTimeoutMs: 60_000,
  /** Quality counters (duplicates, rejections by reason) are written to the store this often. */
  qualityFlushMs: 1_000,
  /**
   * The live view, `GET /v1/live`: most clients at once, messages kept for a client whose socket is
   * full (each at most ~4 KB of JSON), and the interval of the heartbeat comment.
   */
  liveMaxClients: 20,
  liveQueueCapacity: 500,
  liveHeartbeatMs: 15_000,
  /** On SIGTERM, in-flight requests get this long to finish before the process exits anyway. */
  shutdownTimeoutMs: 10_000,
  logLevel: 'info',
} as const;

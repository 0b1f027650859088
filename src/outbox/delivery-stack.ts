/**
 * The outbox, its upkeep and its deliverer wired to a worker global's edges (fetch, timers, clock,
 * Web Locks, CompressionStream, the storage estimate) with the defaults of shared/config.ts. The
 * service worker uses it, and so does the dedicated worker when there is no service worker.
 */
import { DEFAULTS } from '../shared/config.js';
import type { ErrorReporter } from '../shared/errors.js';
import type { LossManifest, Priority } from '../shared/event.js';
import { lockWithSteal, type Locks } from './delivery-lock.js';
import { createDeliverer, type Deliverer } from './deliver.js';
import { createOutbox, type Outbox } from './outbox.js';
import { META, type HomingDatabase } from './outbox-db.js';
import { createUpkeep, priorityRule, type Budget, type Upkeep } from './outbox-upkeep.js';
import { createTransport, gzip } from './transport.js';

export interface DeliveryStack {
  outbox: Outbox;
  deliverer: Deliverer;
  upkeep: Upkeep;
  /** The storage budget now: the configured caps, lowered to a share of the origin's quota. */
  budget(): Promise<Budget>;
}

export interface StackOptions {
  collector: string;
  /** The site's write key, when its collector requires one. */
  writeKey?: string;
  priorities?: Record<string, Priority>;
  maxEvents?: number;
  maxBytes?: number;
}

/** The lock every deliverer of the origin takes: tabs' workers and every SW instance alike. */
export const DELIVERY_LOCK = 'homing-delivery';

/** What the stack needs of its global: a service worker's, or a dedicated worker's. */
export interface WorkerEdges {
  fetch: typeof fetch;
  setTimeout: (fn: () => void, ms: number) => number;
  clearTimeout: (handle: number) => void;
  crypto: { randomUUID(): string };
  navigator: { locks?: LockManager; storage?: StorageManager };
}

export function createDeliveryStack(
  scope: WorkerEdges,
  options: StackOptions,
  getDb: () => Promise<HomingDatabase>,
  onError: ErrorReporter,
): DeliveryStack {
  const now = () => Date.now();
  const outbox = createOutbox({
    getDb,
    now,
    newId: () => scope.crypto.randomUUID(),
    session: { idleMs: DEFAULTS.sessionIdleMs, maxMs: DEFAULTS.sessionMaxMs },
  });
  const upkeep = createUpkeep(getDb, priorityRule(options.priorities));

  async function budget(): Promise<Budget> {
    let maxBytes: number = options.maxBytes ?? DEFAULTS.storageMaxBytes;
    try {
      const { quota } = (await scope.navigator.storage?.estimate()) ?? {};
      if (quota) maxBytes = Math.min(maxBytes, Math.floor(quota * DEFAULTS.storageQuotaShare));
    } catch {
      // No estimate (older Safari): the configured cap stands.
    }
    return { maxEvents: options.maxEvents ?? DEFAULTS.storageMaxEvents, maxBytes };
  }

  async function manifest(): Promise<LossManifest | undefined> {
    const [{ counts, lastSeq }, deviceId] = await Promise.all([outbox.counters(), getDb().then((db) => db.get(META, 'anonymousId'))]);
    if (typeof deviceId !== 'string') return undefined;
    return { deviceId, at: now(), counts, lastSeq };
  }

  const locks = scope.navigator.locks;
  let lastExpiry = 0;
  const deliverer = createDeliverer({
    outbox,
    send: createTransport({
      fetch: (input, init) => scope.fetch(input, init),
      endpoint: options.collector.replace(/\/+$/, '') + '/v1/batch',
      timeoutMs: DEFAULTS.deliveryTimeoutMs,
      setTimeout: (fn, ms) => scope.setTimeout(fn, ms),
      clearTimeout: (h) => scope.clearTimeout(h as number),
      compress: typeof CompressionStream === 'function' ? gzip : undefined,
    }),
    now,
    random: Math.random,
    maxEvents: DEFAULTS.batchMaxEvents,
    maxBytes: DEFAULTS.batchMaxBytes,
    retryBaseMs: DEFAULTS.retryBaseMs,
    retryMaxMs: DEFAULTS.retryMaxMs,
    unreachableRetryMaxMs: DEFAULTS.unreachableRetryMaxMs,
    onError,
    // request() resolves with the callback's own result; the DOM typing nests the promise.
    withLock: locks ? lockWithSteal(locks as unknown as Locks, DELIVERY_LOCK, DEFAULTS.deliveryLockStealMs) : undefined,
    manifest,
    writeKey: options.writeKey,
    beforeFlush: async () => {
      // Expiry reads the whole outbox, so at most once an hour per context.
      if (now() - lastExpiry > DEFAULTS.expirySweepMs) {
        lastExpiry = now();
        await upkeep.expire(now() - DEFAULTS.retentionMs);
      }
      await upkeep.enforce(await budget());
      // Only when a peek skipped an expired hold: a sweep reads the whole outbox.
      if (outbox.expiredHoldsSeen()) await upkeep.expireHolds(now());
    },
  });
  return { outbox, deliverer, upkeep, budget };
}

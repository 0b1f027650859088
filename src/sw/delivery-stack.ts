/**
 * The outbox and its deliverer wired to a worker global's edges (fetch, timers, clock) with the
 * defaults of shared/config.ts. The service worker uses it, and so does the dedicated worker when
 * there is no service worker.
 */
import { DEFAULTS } from '../shared/config.js';
import { createDeliverer, type Deliverer } from './deliver.js';
import { createOutbox, type Outbox } from './outbox.js';
import type { HomingDatabase } from './outbox-db.js';

export interface DeliveryStack {
  outbox: Outbox;
  deliverer: Deliverer;
}

export function createDeliveryStack(
  scope: WorkerGlobalScope,
  collector: string,
  getDb: () => Promise<HomingDatabase>,
  onError: (code: string, detail: string) => void,
): DeliveryStack {
  const now = () => Date.now();
  const outbox = createOutbox({
    getDb,
    now,
    newId: () => scope.crypto.randomUUID(),
    session: { idleMs: DEFAULTS.sessionIdleMs, maxMs: DEFAULTS.sessionMaxMs },
  });
  const deliverer = createDeliverer({
    outbox,
    fetch: (input, init) => scope.fetch(input, init),
    collector,
    now,
    random: Math.random,
    setTimeout: (fn, ms) => scope.setTimeout(fn, ms),
    clearTimeout: (h) => scope.clearTimeout(h as number),
    maxEvents: DEFAULTS.batchMaxEvents,
    maxBytes: DEFAULTS.batchMaxBytes,
    timeoutMs: DEFAULTS.deliveryTimeoutMs,
    retryBaseMs: DEFAULTS.retryBaseMs,
    retryMaxMs: DEFAULTS.retryMaxMs,
    onError,
  });
  return { outbox, deliverer };
}

/**
 * Without a service worker (unsupported, blocked, or registration failed) the worker keeps the
 * outbox and delivers it itself, with the same outbox and deliverer modules the SW uses. It can
 * only deliver while a tab is open; the events wait in IndexedDB until the next visit otherwise.
 */
import { DEFAULTS } from '../shared/config.js';
import type { ErrorReporter } from '../shared/errors.js';
import type { Deliverer } from '../outbox/deliver.js';
import { createDeliveryStack } from '../outbox/delivery-stack.js';
import { createPersist } from '../outbox/persist.js';
import type { HomingDatabase } from '../outbox/outbox-db.js';
import type { PersistSink } from '../capture/pipeline.js';

declare const self: DedicatedWorkerGlobalScope;

export interface LocalDelivery {
  sink: PersistSink;
  deliverer: Deliverer;
}

export function startLocalDelivery(
  getDb: () => Promise<HomingDatabase>,
  collector: string,
  writeKey: string | undefined,
  onError: ErrorReporter,
): LocalDelivery {
  const now = () => Date.now();
  const stack = createDeliveryStack(self, { collector, writeKey }, getDb, onError);
  const { deliverer } = stack;
  const persist = createPersist(stack);
  const tick = () => {
    if (deliverer.retryAt() <= now()) void deliverer.flush('timer');
  };
  self.setInterval(tick, DEFAULTS.retryBaseMs);
  self.addEventListener('online', () => void deliverer.flush('online'));
  void deliverer.flush('start');
  return {
    deliverer,
    async sink(items, dropped, gates, calls) {
      const stored = await persist(items, dropped, gates, calls);
      tick();
      return stored;
    },
  };
}

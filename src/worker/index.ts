/**
 * Entry of `homing-worker.js`, the dedicated worker the client starts. It exposes `WorkerApi`
 * through comlink and owns everything the page must not pay for: identity, enrichment, batching,
 * and the hand-off to the service worker.
 */
import { expose } from 'comlink';
import { DEFAULTS } from '../shared/config.js';
import type { WorkerApi, WorkerInit, WorkerStats } from '../shared/protocol.js';
import { createDbOpener } from '../sw/outbox-db.js';
import { loadIdentity } from './identity.js';
import { startLocalDelivery } from './local-delivery.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import { createSwLink, type SwLink } from './sw-link.js';

declare const self: DedicatedWorkerGlobalScope;

function createWorkerApi(): WorkerApi<MessagePort> {
  let pipeline: Pipeline | null = null;
  let link: SwLink | null = null;
  let debug = false;
  const errors: Record<string, number> = {};
  const getDb = createDbOpener();

  const report = (code: string, detail: string) => {
    errors[code] = (errors[code] ?? 0) + 1;
    if (debug) console.warn(`[homing-worker] ${code}: ${detail}`);
  };

  let config: WorkerInit | null = null;

  return {
    init(init, requestLink) {
      if (pipeline) return;
      config = init;
      debug = init.debug;
      pipeline = createPipeline({
        identity: loadIdentity(getDb, () => crypto.randomUUID()),
        env: init.env,
        maxBatch: DEFAULTS.persistMaxEvents,
        retryMs: DEFAULTS.retryBaseMs,
        setTimeout: (fn, ms) => self.setTimeout(fn, ms),
        onError: report,
      });
      if (!init.serviceWorker) {
        this.link(null);
        return;
      }
      link = createSwLink({
        requestLink: () => void requestLink(),
        ackTimeoutMs: DEFAULTS.persistAckTimeoutMs,
        maxAckTimeoutMs: 30_000,
        setTimeout: (fn, ms) => self.setTimeout(fn, ms),
        clearTimeout: (h) => self.clearTimeout(h as number),
        onTimeout: () => report('sw-link-timeout', 'no ack from the service worker'),
      });
      pipeline.setSink((events) => link!.persist(events));
    },

    capture(calls) {
      if (!pipeline) return Promise.reject(new Error('worker-not-initialised'));
      return pipeline.capture(calls);
    },

    link(port) {
      if (!pipeline || !config) return;
      if (port && link) {
        link.attach(port);
        return;
      }
      // No service worker after all: keep and deliver the events here. Requests the SW never
      // acknowledged fail back into the pipeline, which resends them to the local outbox.
      link?.abandon();
      link = null;
      const local = startLocalDelivery(getDb, config.collector, report);
      pipeline.setSink(local.sink);
    },

    stats(): WorkerStats {
      const base = pipeline?.stats() ?? { received: 0, persisted: 0, pending: 0, errors: {} };
      return { ...base, relinks: link?.relinks() ?? 0, errors: { ...base.errors, ...errors } };
    },
  };
}

expose(createWorkerApi());

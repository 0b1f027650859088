/**
 * Entry of `homing-worker.js`, the dedicated worker the client starts (a classic worker, so a
 * site's compiled schemas load with `importScripts`). It exposes `WorkerApi` through comlink and
 * owns everything the page must not pay for: identity, enrichment, rules, validation, batching,
 * and the hand-off to the service worker.
 */
import { expose } from 'comlink';
import { decodeBatch } from '../shared/capture-batch.js';
import { DEFAULTS } from '../shared/config.js';
import type { ErrorCounts, ErrorReporter } from '../shared/errors.js';
import type { ConnectWorker, WorkerApi, WorkerConfig, WorkerReady, WorkerStats } from '../shared/protocol.js';
import { createDbOpener } from '../outbox/outbox-db.js';
import { readOutboxStats } from '../outbox/outbox-stats.js';
import { createQuarantine } from '../outbox/quarantine.js';
import { loadIdentityStore } from '../capture/identity.js';
import { readCheckpoint } from '../shared/device-checkpoint.js';
import { startLocalDelivery } from './local-delivery.js';
import { createPipeline, type Pipeline } from '../capture/pipeline.js';
import { createPrivacy } from '../capture/privacy.js';
import { createSwLink, type SwLink } from './sw-link.js';
import { createEventValidator, loadSiteSchemas } from '../capture/validate.js';

declare const self: DedicatedWorkerGlobalScope;

function createWorkerApi(): WorkerApi<MessagePort> {
  let pipeline: Pipeline | null = null;
  let link: SwLink | null = null;
  let config: WorkerConfig | null = null;
  let toPage: ErrorReporter = () => {};
  const errors: ErrorCounts = {};
  const getDb = createDbOpener();
  const now = () => Date.now();
  const timers = {
    setTimeout: (fn: () => void, ms: number) => self.setTimeout(fn, ms),
    clearTimeout: (h: unknown) => self.clearTimeout(h as number),
  };

  /** Counted here, and forwarded to the page's `onError` (which also logs in dev mode). */
  const report: ErrorReporter = (code, detail) => {
    errors[code] = (errors[code] ?? 0) + 1;
    toPage(code, detail);
  };

  /** A site's own event schemas, compiled by `homing-schemas`; without them only the base rules apply. */
  function siteSchemas(url: string | undefined) {
    if (!url) return undefined;
    try {
      self.importScripts(new URL(url, self.location.href).href);
      return loadSiteSchemas();
    } catch (err) {
      report('schemas-unavailable', `${url}: ${String(err)}`);
      return undefined;
    }
  }

  return {
    init(init, requestLink, reportToPage) {
      if (pipeline) return;
      config = init;
      toPage = (code, detail) => void Promise.resolve(reportToPage(code, detail)).catch(() => undefined);
      pipeline = createPipeline({
        identity: loadIdentityStore(getDb, () => self.crypto.randomUUID(), report, readCheckpoint(config.cookies)),
        env: init.env,
        validate: createEventValidator(siteSchemas(init.schemasUrl)),
        quarantine: createQuarantine(getDb, now),
        rules: init.rules,
        batch: {
          maxEvents: DEFAULTS.handoffEvents,
          maxBytes: DEFAULTS.handoffBytes,
          maxWaitMs: DEFAULTS.handoffWaitMs,
          persistMax: DEFAULTS.persistMaxEvents,
        },
        retryMs: DEFAULTS.retryBaseMs,
        now,
        ...timers,
        // The pipeline counts these in its own stats; only forward them.
        onError: (code, detail) => toPage(code, detail),
        privacy: createPrivacy(init.privacy, { salt: self.location.origin }),
      });
      if (!init.serviceWorker) {
        this.link(null);
        return;
      }
      link = createSwLink({
        requestLink: () => void requestLink(),
        ackTimeoutMs: DEFAULTS.persistAckTimeoutMs,
        maxAckTimeoutMs: DEFAULTS.persistAckMaxTimeoutMs,
        ...timers,
        onTimeout: () => report('sw-link-timeout', 'no ack from the service worker'),
      });
      pipeline.setSink((items, dropped, gates, calls) => link!.persist(items, dropped, gates, calls));
    },

    capture(batch) {
      if (!pipeline) return Promise.reject(new Error('worker-not-initialised'));
      // The call objects and their messageIds are made here, off the main thread (capture-batch.ts).
      return pipeline.capture(decodeBatch(batch));
    },

    flush() {
      pipeline?.flush();
    },

    signals(signals) {
      pipeline?.signals(signals);
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
      const local = startLocalDelivery(getDb, config.collector, config.writeKey, report);
      pipeline.setSink(local.sink);
    },

    async stats(): Promise<WorkerStats> {
      const base = pipeline?.stats() ?? { received: 0, persisted: 0, pending: 0, invalid: 0, debounced: 0, throttled: 0, consent: 0, errors: {} };
      const outbox = await readOutboxStats(getDb).catch(() => null);
      return { ...base, relinks: link?.relinks() ?? 0, errors: { ...base.errors, ...errors }, outbox };
    },
  };
}

// The page talks over a port it hands over once this script has run (client/worker-endpoint.ts).
const api = createWorkerApi();
self.addEventListener('message', function connect(e: MessageEvent) {
  if ((e.data as ConnectWorker | undefined)?.op !== 'connect' || !e.ports[0]) return;
  self.removeEventListener('message', connect);
  expose(api, e.ports[0]);
});
self.postMessage({ op: 'worker-ready' } satisfies WorkerReady);

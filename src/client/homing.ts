/**
 * The page's API. Every verb only captures: it takes the capture time and the page view, queues
 * the call for the worker (bridge.ts; the worker makes its messageId) and returns. Nothing here
 * throws into the page: failures become error codes for `onError` and `stats()`.
 */
import { proxy, transfer, wrap, type Remote } from 'comlink';
import { CLIENT_DEFAULTS } from '../shared/client-defaults.js';
import type { Priority, Properties } from '../shared/event.js';
import type { ErrorCode, ErrorCounts } from '../shared/errors.js';
import type {
  Capture,
  ConsentOptions,
  EventRule,
  FlushResult,
  PiiOptions,
  PrivacyInit,
  PrivacySignals,
  WorkerApi,
  OutboxStats,
  WorkerStats,
} from '../shared/protocol.js';
import type { AutocaptureOptions } from './autocapture/index.js';
import type { CallFields } from '../shared/capture-batch.js';
import { createBridge } from './bridge.js';
import { readEnvironment } from './environment.js';
import { nextTask } from './next-task.js';
import { startWorker } from './worker-endpoint.js';
import { onLeave, onNavigate, pageView } from './page-context.js';
import type { SwConnection } from './sw-connect.js';

export interface HomingConfig {
  /** The collector's base URL (the service worker POSTs to `${collector}/v1/batch`). */
  collector?: string;
  /**
   * The site's write key, when its collector requires one (`--write-keys`). Public by nature, like
   * Segment's: it says which site sends; it is not a secret.
   */
  writeKey?: string;
  workerUrl?: string;
  /** Homing's service worker script, or `false` when the site's own SW imports `homing/sw`. */
  swUrl?: string | false;
  swScope?: string;
  /** A page view on start and on every SPA navigation (pushState, replaceState, popstate). */
  autoPage?: boolean;
  /** Opt-in autocapture, per kind. */
  autocapture?: AutocaptureOptions;
  /** Turn GTM-style `dataLayer.push({ event, ... })` into `track` calls (`true`, or the array's name). */
  dataLayer?: boolean | string;
  /** Debounce or throttle events by name: `{ search: { debounceMs: 500 } }`. */
  rules?: Record<string, EventRule>;
  /** Your schemas, compiled with `homing-schemas compile`. */
  schemasUrl?: string;
  /** What the outbox evicts last or first when over its storage budget: `{ purchase_completed: 'critical' }`. */
  priorities?: Record<string, Priority>;
  /** Use Background Sync where the browser has it (default); false relies on the other triggers only. */
  backgroundSync?: boolean;
  /** Request persistent storage (`navigator.storage.persist()`), so the browser keeps the outbox under pressure. */
  persistStorage?: boolean;
  /** The outbox's storage budget (defaults: 100,000 events, 50 MB, at most half the origin's quota). */
  storage?: { maxEvents?: number; maxBytes?: number };
  /** Gate delivery on consent by purpose (docs/consent.md); without it nothing is gated. */
  consent?: ConsentOptions;
  /** What to do with e-mail addresses, phone numbers and card numbers in properties and traits. */
  pii?: PiiOptions;
  /** Query parameters kept in page URLs (`utm_*` is a prefix); the others are removed. */
  urlParams?: string[];
  /** Logs every error code to the console. */
  debug?: boolean;
  onError?: ErrorListener;
}

export type ErrorListener = (code: ErrorCode, detail: string) => void;

/** What `flush()` resolves with: the public shape, not the service worker's protocol message. */
export type { FlushResult };

export interface HomingStats {
  /** Calls made on this page. */
  captured: number;
  /** Of those, committed to IndexedDB. */
  acked: number;
  /** Captured, not yet settled by the worker: what `pagehide` hands to the service worker. */
  unacked: number;
  invalid: number;
  debounced: number;
  throttled: number;
  /** Dropped or purged for want of consent. */
  consent: number;
  /** Error codes and how often each happened, on the page and in the worker. */
  errors: ErrorCounts;
  /**
   * The origin's outbox, shared by every tab: events waiting, and the collector's receipts since
   * this browser installed Homing (`delivered`, `duplicate`, `rejected`, `deadLetter`). Null
   * while the worker cannot answer.
   */
  outbox: OutboxStats | null;
  worker: WorkerStats | null;
}

/** A page's or a screen's properties; `name` becomes the event's Segment `name` field. */
export type ViewProperties = Properties & { name?: string };

export interface Homing {
  track(event: string, properties?: Properties): void;
  /** A page view: `page({ name, ...properties })`, or `page(name, properties)` (docs/api.md). */
  page(properties?: ViewProperties): void;
  page(name: string, properties?: Properties): void;
  /** A screen view in an app (Segment's `screen`): `screen(name, properties)` or `screen({ name, ...properties })`. */
  screen(name: string, properties?: Properties): void;
  screen(properties?: ViewProperties): void;
  identify(userId: string, traits?: Properties): void;
  alias(newId: string, previousId?: string): void;
  group(groupId: string, traits?: Properties): void;
  /** Forget the user: a new anonymous id and a new session; later events carry no userId. */
  reset(): void;
  /** Record consent by purpose, e.g. `{ analytics: true, marketing: false }`; stamped on events. */
  consent(purposes: Record<string, boolean>): void;
  /**
   * Resolves once every call so far is durable and the service worker has tried to deliver it;
   * null without a service worker, or when it did not answer in time. Never rejects.
   */
  flush(timeoutMs?: number): Promise<FlushResult | null>;
  stats(): Promise<HomingStats>;
  onError(listener: ErrorListener): () => void;
}

/** Internal: replaying the stub's queue keeps the original capture times. */
export interface HomingInternal extends Homing {
  replay(method: string, args: unknown[], ts: number): unknown;
}

export function createHoming(config: HomingConfig = {}): HomingInternal {
  const collector = config.collector ?? CLIENT_DEFAULTS.collector;
  const debug = !!config.debug;
  const listeners = new Set<ErrorListener>(config.onError ? [config.onError] : []);
  const errors: ErrorCounts = {};
  // Passed through as given: defaults are applied off the main thread.
  const privacy: PrivacyInit = { consent: config.consent, pii: config.pii, urlParams: config.urlParams };
  let captured = 0;
  let sw: Promise<SwConnection | null> = Promise.resolve(null);
  // Set while the stub's queue is replayed, so those calls keep the time they were made at.
  let replayTs = 0;
  const now = () => replayTs || Date.now();

  function report(code: ErrorCode, detail: string): void {
    errors[code] = (errors[code] ?? 0) + 1;
    if (debug || process.env.NODE_ENV !== 'production') console.warn(`[homing] ${code}: ${detail}`);
    for (const listener of listeners) {
      try {
        listener(code, detail);
      } catch {
        // A listener's own bug must not break tracking.
      }
    }
  }

  let api: Remote<WorkerApi<MessagePort>> | null = null;
  try {
    // The port takes calls at once; the worker behind it starts in a task of its own (worker-endpoint.ts).
    api = wrap<WorkerApi<MessagePort>>(startWorker(new URL(config.workerUrl ?? CLIENT_DEFAULTS.workerUrl, location.href).href, report));
  } catch (err) {
    report('worker-unavailable', String(err));
  }
  const bridge = createBridge(report);

  /**
   * Wraps a rare verb: the time is taken first, `fill` adds the verb's fields to the call or
   * returns why the arguments are unusable.
   */
  function verb<A extends unknown[]>(type: Capture['type'], fill: (call: CallFields, ...args: A) => string | void) {
    return (...args: A): void => {
      try {
        const ts = now();
        const call: CallFields = { type };
        const problem = fill(call, ...args);
        if (problem) return report('invalid-call', problem);
        captured++;
        bridge.push(ts, call, undefined, pageView());
      } catch (err) {
        report('invalid-call', String(err));
      }
    };
  }

  /**
   * page() and screen(): `(name, properties?)` as Segment's libraries take them, or one object whose
   * `name` becomes the event's name and whose other keys are its properties.
   */
  function view(call: CallFields, name?: string | ViewProperties, properties?: Properties): void {
    if (name && typeof name === 'object') ({ name, ...properties } = name);
    if (typeof name === 'string') call.name = name;
    call.properties = properties;
  }

  const isId = (value: unknown): value is string => typeof value === 'string' && value !== '';
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

  const homing: HomingInternal = {
    // The hot path, written out (few calls: a fresh page runs its first thousands of calls in V8's
    // interpreter, where each call costs): no call object, no argument arrays spread, two array
    // pushes (bridge.ts).
    track(event, properties) {
      try {
        if (!isId(event)) return report('invalid-call', 'track() needs an event name');
        captured++;
        bridge.push(replayTs || Date.now(), event, properties, pageView());
      } catch (err) {
        report('invalid-call', String(err));
      }
    },
    page: verb('page', view),
    screen: verb('screen', view),
    identify: verb('identify', (call, userId: string, traits?: Properties) => {
      if (!isId(userId)) return 'identify() needs a userId';
      call.userId = userId;
      if (traits) call.traits = traits;
    }),
    alias: verb('alias', (call, newId: string, previousId?: string) => {
      if (!isId(newId)) return 'alias() needs a new id';
      call.userId = newId;
      if (previousId) call.previousId = previousId;
    }),
    group: verb('group', (call, groupId: string, traits?: Properties) => {
      if (!isId(groupId)) return 'group() needs a groupId';
      call.groupId = groupId;
      if (traits) call.traits = traits;
    }),
    reset: verb('reset', () => undefined),
    consent: verb('consent', (call, purposes: Record<string, boolean>) => {
      if (!isObject(purposes)) return 'consent() needs an object of purposes';
      call.consent = purposes;
    }),
    async flush(timeoutMs = 10_000) {
      // From the call's own time: a flush queued by the stub keeps its deadline.
      const deadline = now() + timeoutMs;
      void api?.flush();
      await bridge.drained(deadline - Date.now());
      const connection = await sw;
      // A service worker gone since it connected must not turn flush() into a rejection in the page.
      const result = await connection?.flush('explicit', Math.max(0, deadline - Date.now())).catch((err) => report('sw-unavailable', String(err)));
      return result ? { delivered: result.delivered, pending: result.pending } : null;
    },
    async stats() {
      let worker: WorkerStats | null = null;
      try {
        // A worker that failed to start never answers: stats() must still resolve.
        worker = api ? await Promise.race([api.stats(), new Promise<null>((r) => setTimeout(r, 2_000, null))]) : null;
      } catch {
        worker = null;
      }
      return {
        captured,
        acked: bridge.durable(),
        unacked: bridge.unsettled(),
        invalid: worker?.invalid ?? 0,
        debounced: worker?.debounced ?? 0,
        throttled: worker?.throttled ?? 0,
        consent: worker?.consent ?? 0,
        errors: { ...errors },
        outbox: worker?.outbox ?? null,
        worker,
      };
    },
    onError(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    replay(method, args, ts) {
      const fn = (homing as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
      if (typeof fn !== 'function' || method === 'replay') return report('invalid-call', `unknown method ${method}`);
      replayTs = ts;
      try {
        // The real call's result, for the stub's promise (flush, stats) to settle with.
        return fn(...args);
      } finally {
        replayTs = 0;
      }
    },
  };

  if (api) {
    const worker = api;
    const swSupported = 'serviceWorker' in navigator;
    // The start is split into tasks (next-task.ts), because in one it was a long task (60-120 ms at
    // 1x, up to 630 ms at 4x CPU throttling): this one makes the API and replays the stub's queue;
    // the worker is made in the next (worker-endpoint.ts); then its `init` is posted (the page's
    // first structured clone: 1-25 ms at 4x) with the page's environment, read there, and the calls
    // queued meanwhile follow it.
    nextTask(() => {
      // `v: 1`, checked against PROTOCOL_VERSION's literal type: importing protocol.ts's one value
      // here made esbuild split it into a chunk of its own that homing.js imports (an empty one once
      // the value is inlined, +30 B gzip on the critical path).
      worker
        .init(
          { v: 1, collector, writeKey: config.writeKey, env: readEnvironment(), serviceWorker: swSupported, debug, rules: config.rules ?? {}, schemasUrl: config.schemasUrl && new URL(config.schemasUrl, location.href).href, privacy, cookies: document.cookie },
          proxy(() => void linkWorker()),
          proxy(report),
        )
        .catch((err) => report('worker-failed', String(err)));
      bridge.connect(worker);
    }, (err) => report('worker-failed', String(err)));
    if (swSupported) {
      // Registration waits for the page's `load` and comes in its own chunk (workbox-window is
      // 1.4 KB gzip): a SW install must not compete with the page's first load, and capture works
      // without it meanwhile (calls wait in the worker, and the page keeps them until settled).
      sw = afterLoad()
        .then(() => import('./sw-connect.js'))
        .then(({ connectServiceWorker }) =>
          // The SW's own options (writeKey, priorities, backgroundSync, persistStorage, storage) as configured.
          connectServiceWorker({
            ...config,
            swUrl: config.swUrl ?? CLIENT_DEFAULTS.swUrl,
            scope: config.swScope ?? CLIENT_DEFAULTS.swScope,
            collector,
            debug,
            privacy,
          }),
        )
        .then((connection) => {
          connection.watchPage(bridge.tail, readEnvironment(), CLIENT_DEFAULTS.flushIntervalMs, report);
          return connection;
        })
        .catch((err) => {
          report('sw-unavailable', String(err));
          void worker.link(null);
          return null;
        });
      void linkWorker();
    }
  }

  async function linkWorker(): Promise<void> {
    const connection = await sw;
    if (!connection || !api) return;
    try {
      const port = await connection.newPort();
      await api.link(transfer(port, [port]));
    } catch (err) {
      report('sw-unavailable', String(err));
    }
  }

  // The worker hands its batch over as soon as the page may be going away; the service worker's
  // side of leaving (the hand-off of the unsettled tail) lives with the connection (sw-connect.ts).
  const hidden = () => void api?.flush();
  addEventListener('pagehide', hidden);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && hidden());

  // After the current task's synchronous work, so a stub's queue is replayed before the first page view.
  queueMicrotask(() => {
    if (config.autoPage !== false) {
      homing.page();
      onNavigate(() => homing.page());
    }
    startOptional(config, homing, report, privacy, (signals) => api?.signals(signals));
  });
  return homing;
}

/**
 * dataLayer, autocapture and consent come in their own chunks, loaded only when the site turns them
 * on. The consent chunk reads DNT/GPC and the CMPs (with honorDnt/honorGpc the worker waits for it).
 * Asked for in a task of their own: each `import()` of a new chunk starts its fetch at once, about
 * 1 ms of main thread each at 1x (3-5 ms at 4x).
 */
function startOptional(
  config: HomingConfig,
  homing: Homing,
  report: (code: ErrorCode, detail: string) => void,
  privacy: PrivacyInit,
  signals: (signals: PrivacySignals) => void,
): void {
  const failed = (err: unknown) => report('invalid-call', `optional module: ${String(err)}`);
  nextTask(() => {
    if (config.consent) import('./consent.js').then(({ startConsent }) => startConsent(config, privacy, homing.consent, signals), failed);
    if (config.dataLayer) {
      const name = typeof config.dataLayer === 'string' ? config.dataLayer : 'dataLayer';
      import('./data-layer.js').then(({ watchDataLayer }) => watchDataLayer(window, name, homing.track), failed);
    }
    const auto = config.autocapture;
    if (auto && Object.values(auto).some(Boolean)) {
      import('./autocapture/index.js').then(({ startAutocapture }) => {
        const capture = startAutocapture(auto, homing.track);
        onLeave(() => capture.pageChanged());
      }, failed);
    }
  }, failed);
}

function afterLoad(): Promise<void> {
  return document.readyState === 'complete'
    ? Promise.resolve()
    : new Promise((resolve) => addEventListener('load', () => resolve(), { once: true }));
}

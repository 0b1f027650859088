/**
 * The page's API. Every verb only captures: it mints the messageId (UUIDv7) and the capture time,
 * queues the call, and returns. One microtask per burst hands the queued calls to the worker in a
 * single comlink message (a comlink round trip costs 30–100 µs, far over the 2 µs budget). Each
 * handed-over batch stays in `inflight` until the worker says it is durable: bookkeeping per batch,
 * not per call, keeps the per-call cost to a push.
 * Nothing here throws into the page: failures become error codes for `onError` and `stats()`.
 */
import { proxy, transfer, wrap, type Remote } from 'comlink';
import { CLIENT_DEFAULTS } from '../shared/config.js';
import type { Properties } from '../shared/event.js';
import type { ErrorCode } from '../shared/errors.js';
import { PROTOCOL_VERSION, type Capture, type FlushResult, type WorkerApi, type WorkerStats } from '../shared/protocol.js';
import { createUuidV7 } from '../shared/uuid-v7.js';
import { readEnvironment } from './environment.js';
import { pageContext } from './page-context.js';
import type { SwConnection } from './sw-connect.js';

export interface HomingConfig {
  /** The collector's base URL (the service worker POSTs to `${collector}/v1/batch`). */
  collector?: string;
  workerUrl?: string;
  /** Homing's service worker script, or `false` when the site's own SW imports `homing/sw`. */
  swUrl?: string | false;
  swScope?: string;
  /** Logs every error code to the console. */
  debug?: boolean;
  onError?: ErrorListener;
}

export type ErrorListener = (code: ErrorCode, detail: string) => void;

export interface HomingStats {
  captured: number;
  acked: number;
  /** Captured, not yet durable: what `pagehide` would hand over. */
  unacked: number;
  errors: Record<string, number>;
  worker: WorkerStats | null;
}

export interface Homing {
  track(event: string, properties?: Properties): void;
  page(properties?: Properties & { name?: string }): void;
  identify(userId: string, traits?: Properties): void;
  alias(newId: string, previousId?: string): void;
  group(groupId: string, traits?: Properties): void;
  /** Resolves once everything captured so far is durable and the service worker tried to deliver it. */
  flush(timeoutMs?: number): Promise<FlushResult | null>;
  stats(): Promise<HomingStats>;
  onError(listener: ErrorListener): () => void;
}

/** Internal: replaying the stub's queue keeps the original capture times. */
export interface HomingInternal extends Homing {
  replay(method: string, args: unknown[], ts: number): void;
}

export function createHoming(config: HomingConfig = {}): HomingInternal {
  const collector = config.collector ?? CLIENT_DEFAULTS.collector;
  const debug = !!config.debug;
  const mint = createUuidV7((bytes) => crypto.getRandomValues(bytes));
  const listeners = new Set<ErrorListener>(config.onError ? [config.onError] : []);
  const errors: Record<string, number> = {};
  /** Batches handed to the worker and not yet durable: what `pagehide` would hand over. */
  const inflight = new Set<Capture[]>();
  let unacked = 0;
  /** Resolvers of `flush()` calls waiting for `unacked` to reach zero. */
  let drained: Array<() => void> = [];
  let queue: Capture[] = [];
  let scheduled = false;
  let captured = 0;
  let acked = 0;
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
    const worker = new Worker(new URL(config.workerUrl ?? CLIENT_DEFAULTS.workerUrl, location.href));
    worker.addEventListener('error', (e) => report('worker-failed', e.message || 'worker error'));
    api = wrap<WorkerApi<MessagePort>>(worker);
  } catch (err) {
    report('worker-unavailable', String(err));
  }

  function send(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    inflight.add(batch);
    if (!api) return; // kept in `inflight`; nothing else can hold them
    api.capture(batch).then(
      (durable) => {
        inflight.delete(batch);
        unacked -= batch.length;
        acked += durable;
        if (unacked === 0) {
          for (const resolve of drained) resolve();
          drained = [];
        }
      },
      (err) => report('worker-failed', String(err)),
    );
  }

  function capture(call: Capture): void {
    captured++;
    queue.push(call);
    unacked++;
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(send);
    }
  }

  function make(type: Capture['type'], ts: number): Capture {
    return { type, messageId: mint(ts), ts, page: pageContext() };
  }

  /**
   * Wraps a verb: the call object is made first (id + time), `fill` adds the verb's fields or
   * returns why the arguments are unusable. Nothing escapes into the page.
   */
  function verb<A extends unknown[]>(type: Capture['type'], fill: (call: Capture, ...args: A) => string | void) {
    return (...args: A): void => {
      try {
        const call = make(type, now());
        const problem = fill(call, ...args);
        if (problem) report('invalid-call', problem);
        else capture(call);
      } catch (err) {
        report('invalid-call', String(err));
      }
    };
  }

  const isId = (value: unknown): value is string => typeof value === 'string' && value !== '';

  const homing: HomingInternal = {
    // The hot path, written out: the call object gets all its fields at once (one hidden class)
    // and no argument arrays are spread. The other verbs are rare and go through `verb`.
    track(event, properties) {
      try {
        if (!isId(event)) return report('invalid-call', 'track() needs an event name');
        const ts = now();
        capture({ type: 'track', messageId: mint(ts), ts, page: pageContext(), event, properties });
      } catch (err) {
        report('invalid-call', String(err));
      }
    },
    page: verb('page', (call, properties?: Properties & { name?: string }) => {
      if (!properties) return;
      const { name, ...rest } = properties;
      if (typeof name === 'string') call.name = name;
      call.properties = rest;
    }),
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
    async flush(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      if (unacked > 0) {
        await new Promise<void>((resolve) => {
          drained.push(resolve);
          setTimeout(resolve, timeoutMs);
        });
      }
      const connection = await sw;
      return connection ? connection.flush('explicit', Math.max(0, deadline - Date.now())) : null;
    },
    async stats() {
      let worker: WorkerStats | null = null;
      try {
        worker = api ? await api.stats() : null;
      } catch {
        worker = null;
      }
      return { captured, acked, unacked, errors: { ...errors }, worker };
    },
    onError(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    replay(method, args, ts) {
      const fn = (homing as unknown as Record<string, (...a: unknown[]) => void>)[method];
      if (typeof fn !== 'function' || method === 'replay') return report('invalid-call', `unknown method ${method}`);
      replayTs = ts;
      try {
        fn(...args);
      } finally {
        replayTs = 0;
      }
    },
  };

  if (api) {
    const worker = api;
    const swSupported = 'serviceWorker' in navigator;
    worker
      .init(
        { v: PROTOCOL_VERSION, collector, env: readEnvironment(), serviceWorker: swSupported, debug },
        proxy(() => void linkWorker()),
      )
      .catch((err) => report('worker-failed', String(err)));
    if (swSupported) {
      // Registration waits for the page's `load` and comes in its own chunk (workbox-window is
      // 1.4 KB gzip): a SW install must not compete with the page's first load, and capture works
      // without it meanwhile (calls wait in the worker, and the page keeps them until acked).
      sw = afterLoad()
        .then(() => import('./sw-connect.js'))
        .then(({ connectServiceWorker }) =>
          connectServiceWorker({
            swUrl: config.swUrl === undefined ? CLIENT_DEFAULTS.swUrl : config.swUrl,
            scope: config.swScope ?? CLIENT_DEFAULTS.swScope,
            collector,
            debug,
          }),
        )
        .catch((err) => {
          report('sw-unavailable', String(err));
          void worker.link(null);
          return null;
        });
      void linkWorker();
    }
    // Delivery triggers the page sees and the service worker may not (Background Sync is a bonus).
    addEventListener('online', () => void sw.then((c) => c?.flush('online', 5_000)));
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

  return homing;
}

function afterLoad(): Promise<void> {
  return document.readyState === 'complete'
    ? Promise.resolve()
    : new Promise((resolve) => addEventListener('load', () => resolve(), { once: true }));
}

/**
 * Wires Homing into a service worker global: a standalone `homing-sw.js`, or a site's own service
 * worker that imports this module (then the site owns install/activate, so `lifecycle` is false).
 *
 * Delivery triggers, because Background Sync is a bonus (only Chromium has it): every start of the
 * SW, every message from a page (connect, hand-off, flush: each also wakes a stopped SW), the SW's
 * own `online` event, a backoff timer while the SW lives, and Background Sync through
 * workbox-background-sync, whose `onSync` here delivers our outbox and fails while events remain,
 * so the browser retries (workbox's default replay counts a 503 as delivered, workbox#2599).
 * Without SyncManager (or with `sync: false`) workbox runs the same `onSync` at every SW start.
 *
 * No `fetch` listener, on purpose: a SW fetch listener swallows a share of the beacons and
 * keepalive requests a page sends while it unloads (docs/browser-facts.md "Leaving the page").
 */
import { Queue } from 'workbox-background-sync';
import { DEFAULTS } from '../shared/config.js';
import type { ErrorReporter } from '../shared/errors.js';
import { createEventValidator } from '../capture/validate.js';
import { createDeliveryStack } from '../outbox/delivery-stack.js';
import { createHandoff } from './handoff.js';
import { createDbOpener } from '../outbox/outbox-db.js';
import type { Priority } from '../shared/event.js';
import { createPersist } from '../outbox/persist.js';
import { createQuarantine } from '../outbox/quarantine.js';
import { readDeviceCheckpoint } from '../outbox/outbox-stats.js';
import { createSwRuntime } from './runtime.js';

export interface HomingSwOptions {
  /** The collector's base URL. */
  collector: string;
  /** The site's write key, when the collector is configured with write keys (public, like the page's). */
  writeKey?: string;
  /** Take control at once (skipWaiting + clients.claim). Leave false inside a site's own SW. */
  lifecycle?: boolean;
  /** Use Background Sync where the browser has it (default true); false runs the fallback path only. */
  sync?: boolean;
  /** Eviction priority per event name: `{ purchase_completed: 'critical', hover: 'low' }`. */
  priorities?: Record<string, Priority>;
  /** Storage budget caps (defaults: 100,000 events, 50 MB, at most half the origin's quota). */
  maxEvents?: number;
  maxBytes?: number;
  debug?: boolean;
}

/**
 * What `installHoming` hands back to a site's own service worker code. Only what a site needs, and
 * typed without the outbox's internals, which the published declarations must not reach (they would
 * name idb, which the browser package bundles rather than depends on).
 */
export interface HomingSw {
  /** Deliver now. Resolves with the events this call delivered and those still waiting (-1: unreadable). */
  flush(reason?: string): Promise<{ delivered: number; pending: number }>;
}

/** Background Sync tag: `workbox-background-sync:homing`. */
export const SYNC_QUEUE = 'homing';

export function installHoming(scope: ServiceWorkerGlobalScope, options: HomingSwOptions): HomingSw {
  const log = options.debug ? (...args: unknown[]) => console.debug('[homing-sw]', ...args) : () => {};
  const now = () => Date.now();
  const onError: ErrorReporter = (code, detail) => log(code, detail);
  const getDb = createDbOpener();
  const stack = createDeliveryStack(
    scope,
    { collector: options.collector, writeKey: options.writeKey, priorities: options.priorities, maxEvents: options.maxEvents, maxBytes: options.maxBytes },
    getDb,
    onError,
  );
  const persist = createPersist(stack);
  const handoff = createHandoff({
    getDb,
    persist,
    validate: createEventValidator(),
    quarantine: createQuarantine(getDb, now),
    newId: () => scope.crypto.randomUUID(),
    salt: scope.location.origin,
  });
  const fallbackOnly = options.sync === false;

  // Created before the runtime's first flush: in fallback mode its constructor starts `onSync`.
  const queue = new Queue(SYNC_QUEUE, {
    forceSyncFallback: fallbackOnly,
    onSync: async () => {
      // Without SyncManager (Firefox, Safari) or with `sync: false`, workbox calls this from inside
      // `new Queue()`, before `started` below is initialised: reading it then throws a
      // ReferenceError (temporal dead zone), which killed the start-up delivery. Go on once the
      // constructor, and this synchronous function, have returned.
      await Promise.resolve();
      // A sync registered while online fires at once (docs/browser-facts.md "Background Sync"), usually in the middle of
      // our own backoff: then it only asks the browser to come back later, without sending.
      if (stack.deliverer.retryAt() > now()) {
        if (fallbackOnly || !('sync' in scope.registration)) return;
        throw new Error('backing off');
      }
      const result = await started.flush('sync');
      // Throwing asks the browser to retry later; in fallback mode nobody would catch it.
      if (result.pending !== 0 && !fallbackOnly && 'sync' in scope.registration) {
        throw new Error(`${result.pending} events still queued`);
      }
    },
  });
  const started = createSwRuntime({
    persist,
    deliverer: stack.deliverer,
    handoff,
    registerSync: () => queue.registerSync(),
    isOnline: () => scope.navigator.onLine,
    now,
    setTimeout: (fn, ms) => scope.setTimeout(fn, ms),
    clearTimeout: (h) => scope.clearTimeout(h as number),
    onError,
    device: () => readDeviceCheckpoint(getDb),
  });

  if (options.lifecycle) {
    scope.addEventListener('install', (event) => event.waitUntil(scope.skipWaiting()));
    scope.addEventListener('activate', (event) => event.waitUntil(scope.clients.claim()));
  }
  scope.addEventListener('message', (event) => {
    event.waitUntil(started.handlePageMessage(event.data, event.ports));
  });
  scope.addEventListener('online', () => void started.flush('online'));
  // Every start of the SW is a chance to deliver what an earlier instance left behind.
  if (!fallbackOnly) void started.flush('start');
  log('installed', options.collector, fallbackOnly ? '(sync fallback)' : '');
  return {
    flush: async (reason = 'site') => {
      const { delivered, pending } = await started.flush(reason);
      return { delivered, pending };
    },
  };
}

/** For the standalone bundle: options from the registration URL (`homing-sw.js?collector=…`). */
export function optionsFromUrl(url: string): HomingSwOptions {
  const params = new URL(url).searchParams;
  let priorities: Record<string, Priority> | undefined;
  try {
    priorities = params.has('priorities') ? (JSON.parse(params.get('priorities')!) as Record<string, Priority>) : undefined;
  } catch {
    priorities = undefined;
  }
  return {
    collector: params.get('collector') ?? DEFAULTS.collector,
    writeKey: params.get('writeKey') ?? undefined,
    lifecycle: params.get('lifecycle') !== '0',
    sync: params.get('sync') !== '0',
    priorities,
    maxEvents: positive(params.get('maxEvents')),
    maxBytes: positive(params.get('maxBytes')),
    debug: params.get('debug') === '1',
  };
}

function positive(value: string | null): number | undefined {
  const n = Number(value);
  return value !== null && Number.isInteger(n) && n > 0 ? n : undefined;
}

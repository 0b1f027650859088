/**
 * Wires Homing into a service worker global: a standalone `homing-sw.js`, or a site's own service
 * worker that imports this module (then the site owns install/activate, so `lifecycle` is false).
 *
 * No `fetch` listener, on purpose: a SW fetch listener swallows a share of the beacons and
 * keepalive requests a page sends while it unloads (browser-recipes Q7).
 */
import { DEFAULTS } from '../shared/config.js';
import { createDbOpener } from './outbox-db.js';
import { createEventValidator } from '../worker/validate.js';
import { createDeliveryStack } from './delivery-stack.js';
import { createHandoff } from './handoff.js';
import { createQuarantine } from './quarantine.js';
import { createSwRuntime, type SwRuntime } from './runtime.js';


export interface HomingSwOptions {
  /** The collector's base URL. */
  collector: string;
  /** Take control at once (skipWaiting + clients.claim). Leave false inside a site's own SW. */
  lifecycle?: boolean;
  debug?: boolean;
}

export function installHoming(scope: ServiceWorkerGlobalScope, options: HomingSwOptions): SwRuntime {
  const log = options.debug ? (...args: unknown[]) => console.debug('[homing-sw]', ...args) : () => {};
  const now = () => Date.now();
  const onError = (code: string, detail: string) => log(code, detail);
  const getDb = createDbOpener();
  const { outbox, deliverer } = createDeliveryStack(scope, options.collector, getDb, onError);
  const handoff = createHandoff({ getDb, outbox, validate: createEventValidator(), quarantine: createQuarantine(getDb, now) });
  const runtime = createSwRuntime({
    outbox,
    deliverer,
    handoff,
    now,
    setTimeout: (fn, ms) => scope.setTimeout(fn, ms),
    clearTimeout: (h) => scope.clearTimeout(h as number),
    onError,
  });

  if (options.lifecycle) {
    scope.addEventListener('install', (event) => event.waitUntil(scope.skipWaiting()));
    scope.addEventListener('activate', (event) => event.waitUntil(scope.clients.claim()));
  }
  scope.addEventListener('message', (event) => {
    event.waitUntil(runtime.handlePageMessage(event.data, event.ports));
  });
  scope.addEventListener('online', () => void runtime.flush('online'));
  // Every start of the SW is a chance to deliver what an earlier instance left behind.
  void runtime.flush('start');
  log('installed', options.collector);
  return runtime;
}

/** For the standalone bundle: options from the registration URL (`homing-sw.js?collector=…`). */
export function optionsFromUrl(url: string): HomingSwOptions {
  const params = new URL(url).searchParams;
  return {
    collector: params.get('collector') ?? DEFAULTS.collector,
    lifecycle: params.get('lifecycle') !== '0',
    debug: params.get('debug') === '1',
  };
}


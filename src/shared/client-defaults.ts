/**
 * What the page's client needs, re-exported by config.ts (every default in one place). The client
 * imports this module directly so that nothing else of config.ts reaches its bundle.
 */
export const CLIENT_DEFAULTS = {
  /** Where the service worker (or, without one, the worker) POSTs batches. */
  collector: 'http://127.0.0.1:8787',
  /** URL of the worker bundle, resolved against the page. */
  workerUrl: '/homing-worker.js',
  /** URL of the service worker script; `false` when the site merges Homing into its own SW. */
  swUrl: '/homing-sw.js',
  swScope: '/',
  /** While a page is open and visible it asks the SW to deliver on this period. */
  flushIntervalMs: 30_000,
} as const;

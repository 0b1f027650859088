/**
 * The shop's own service worker, the case real sites have: it precaches the shop's shell with
 * workbox so the shop opens offline, and merges Homing in with one call. Bundled by build.mjs into
 * a classic script (dist/demo/shop/sw.js); inject-manifest.mjs then writes the precache list, with
 * a content hash per file, where `self.__WB_MANIFEST` stands (workbox's injectManifest convention).
 *
 * Fetch handling, on purpose narrow: only same-origin GETs. Page navigations go to the network
 * first (the server pastes the collector's URL into the page, and a stale copy would keep an old
 * one) and fall back to the precached shell offline; precached files are served from the cache.
 * Everything else, the collector's requests included, is not answered here. Homing itself never
 * relies on beacons (a page hands its unsent tail over by postMessage), so this fetch listener
 * cannot swallow its events (docs/browser-facts.md "Leaving the page").
 */
import { cleanupOutdatedCaches, getCacheKeyForURL, matchPrecache, precache, type PrecacheEntry } from 'workbox-precaching';
import { installHoming } from 'homing/sw';

declare let self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<PrecacheEntry | string> };

const SHELL = '/shop/';
const params = new URL(self.location.href).searchParams;

installHoming(self, {
  collector: params.get('collector') ?? 'http://127.0.0.1:8787',
  // The site owns install/activate (below); Homing adds its message, online and sync handling.
  lifecycle: false,
  // Under storage pressure the outbox evicts other events before a purchase.
  priorities: { purchase_completed: 'critical' },
  debug: params.get('debug') === '1',
});

precache(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Take over at once, so the first visit is already controlled (and works offline on the next).
self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(async () => (await matchPrecache(SHELL)) ?? Response.error()));
  } else if (getCacheKeyForURL(request.url)) {
    event.respondWith(matchPrecache(request.url).then((cached) => cached ?? fetch(request)));
  }
});

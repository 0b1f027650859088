/// <reference lib="webworker" />
// The site's service worker: Homing's SW module as an ES import, bundled by esbuild; workbox-build
// then writes the precache list where self.__WB_MANIFEST stands.
import { installHoming } from 'homing/sw';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare let self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<PrecacheEntry | string> };
declare const COLLECTOR: string;

installHoming(self, { collector: COLLECTOR, lifecycle: false });

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html')));
self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

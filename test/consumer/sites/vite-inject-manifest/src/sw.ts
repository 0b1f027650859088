/// <reference lib="webworker" />
import { installHoming } from 'homing/sw';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare let self: ServiceWorkerGlobalScope;

installHoming(self, { collector: import.meta.env.VITE_COLLECTOR, lifecycle: false });

// precacheAndRoute, not precache alone: precache() only fills the cache, nothing would answer from it.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));
self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

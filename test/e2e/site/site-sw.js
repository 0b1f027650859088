// A site's own classic service worker: it precaches its shell, and merges Homing in with one call.
const SHELL = 'site-shell-v1';
self.HOMING_SW = { collector: new URL(self.location.href).searchParams.get('collector') };
importScripts('/homing-sw.js');

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(['/', '/precached.txt'])).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

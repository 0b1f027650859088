// A site that bundles Homing: the client from the package, the worker script as a Vite asset, and
// no service worker registration of Homing's own (vite-plugin-pwa registers the site's).
import { createHoming } from 'homing';
import workerUrl from 'homing/homing-worker.js?url';
import { registerSW } from 'virtual:pwa-register';

const homing = createHoming({ collector: import.meta.env.VITE_COLLECTOR, workerUrl, swUrl: false });
registerSW({ immediate: true });

// What the consumer test drives.
(window as any).site = {
  track: (event: string, props: Record<string, unknown>) => homing.track(event, props),
  flush: () => homing.flush(),
};

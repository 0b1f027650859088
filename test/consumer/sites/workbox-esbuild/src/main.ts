// A site bundled with esbuild: the client from the package, the site's own service worker
// registered with workbox-window. COLLECTOR is replaced at build time (build.mjs).
import { createHoming } from 'homing';
import { Workbox } from 'workbox-window';

declare const COLLECTOR: string;

const homing = createHoming({ collector: COLLECTOR, swUrl: false });
void new Workbox('/sw.js').register();

// What the consumer test drives.
(window as any).site = {
  track: (event: string, props: Record<string, unknown>) => homing.track(event, props),
  flush: () => homing.flush(),
};

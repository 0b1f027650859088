/**
 * Every route that takes events, as one encapsulated Fastify plugin: SDK batches (batch.ts),
 * Segment's singles (singles.ts), server-to-server (s2s.ts), the pixel (pixel.ts), what Segment's
 * libraries fetch besides events (segment-settings.ts) and, with `--demo-controls`, the demo's
 * outage switch (demo-controls.ts).
 *
 * The plugin carries its own hooks: the outage switch's 503 is a preHandler of the event routes'
 * encapsulation context, so it covers exactly the routes registered there (no list of paths to
 * keep in step, no ordering to respect). What every route needs (the error shape, the body parser,
 * CORS and the per-IP rate limit) comes from the root context, which registers it before this plugin.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { registerBatchRoutes } from './batch.js';
import { registerDemoControls } from './demo-controls.js';
import type { RouteDeps } from './deps.js';
import { registerPixelRoute } from './pixel.js';
import { registerS2sRoute } from './s2s.js';
import { registerSegmentSettingsRoutes } from './segment-settings.js';
import { registerSingleRoutes } from './singles.js';

export interface IngestPluginOptions {
  deps: RouteDeps;
  /** Demo only: add `/demo/outage` and its hook (routes/demo-controls.ts). */
  demoControls: boolean;
}

export const ingestPlugin: FastifyPluginAsync<IngestPluginOptions> = async (app, { deps, demoControls }) => {
  registerSegmentSettingsRoutes(app, deps);
  const outage = demoControls ? registerDemoControls(app, deps.now) : null;
  // The routes that store events, in a context of their own so the outage hook sees only them.
  await app.register(async (events: FastifyInstance) => {
    if (outage) events.addHook('preHandler', outage);
    registerBatchRoutes(events, deps);
    registerSingleRoutes(events, deps);
    registerS2sRoute(events, deps);
    registerPixelRoute(events, deps);
  });
};

/**
 * The collector as a Fastify app, not yet listening: the CLI listens on it, tests `inject` into it.
 * Everything with state or time (the store, the clock) comes in as an argument.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { COLLECTOR_DEFAULTS } from '../shared/config.js';
import { registerBodyParser } from './body.js';
import { registerCors, type AllowedOrigins } from './cors.js';
import { toErrorAnswer } from './http-error.js';
import { registerBatchRoute, type CollectorCounters } from './routes/batch.js';
import { registerHealthRoute } from './routes/health.js';
import type { EventStore } from './store/store.js';
import { createEventValidator } from './validate.js';

export interface CollectorOptions {
  store: EventStore;
  /** Exact origins allowed to send events from a browser, or `'*'`. */
  origins: AllowedOrigins;
  /** Epoch ms; defaults to `Date.now`. */
  now?: () => number;
  /** Largest request body, on the wire and after decompression. */
  bodyLimitBytes?: number;
  /** Most events in one `POST /v1/batch`. */
  maxBatchEvents?: number;
  /** Fastify's logger option (pino); off by default. */
  logger?: FastifyServerOptions['logger'];
}

const countersByApp = new WeakMap<FastifyInstance, CollectorCounters>();

/** The counters of an app made by `createCollector`: what it dropped without failing a request. */
export function collectorCounters(app: FastifyInstance): Readonly<CollectorCounters> {
  const counters = countersByApp.get(app);
  if (!counters) throw new Error('collectorCounters: not an app made by createCollector');
  return counters;
}

export function createCollector(options: CollectorOptions): FastifyInstance {
  const bodyLimitBytes = options.bodyLimitBytes ?? COLLECTOR_DEFAULTS.bodyLimitBytes;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: bodyLimitBytes });

  // One error shape for every failure, Fastify's own included, so clients parse one thing.
  app.setErrorHandler((err, request, reply) => {
    const { statusCode, body } = toErrorAnswer(err);
    if (statusCode >= 500) request.log.error({ err }, 'request failed');
    return reply.code(statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not-found', reason: `no route ${request.method} ${request.url}` }),
  );

  registerCors(app, options.origins);
  registerBodyParser(app, bodyLimitBytes);
  registerHealthRoute(app);
  const counters: CollectorCounters = { manifestsRejected: 0 };
  countersByApp.set(app, counters);
  registerBatchRoute(app, {
    counters,
    store: options.store,
    validate: createEventValidator(),
    now: options.now ?? Date.now,
    maxBatchEvents: options.maxBatchEvents ?? COLLECTOR_DEFAULTS.maxBatchEvents,
  });
  return app;
}

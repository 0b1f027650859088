/**
 * `GET /v1/live?event=&device=&session=`: the live view, events as this collector process ingests
 * them, as server-sent events (`event: ingest`, data a LiveEvent of shared/reports.ts, with the
 * result its receipt said). Behind a read or admin key (reports/read-key.ts).
 *
 * Messages: `ready` once subscribed (anything ingested afterwards is sent), `ingest` per event,
 * `dropped` `{ dropped }` when the client read too slowly and its oldest messages were discarded,
 * and a `: heartbeat` comment every `heartbeatMs`. At most `maxClients` streams at once (503
 * beyond). On shutdown every stream ends, so closing the server does not wait on them.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-error.js';
import { parseLiveFilter } from '../live/filter.js';
import { createLiveHub, type LiveHub, type LiveSink } from '../live/hub.js';
import { requireReadKey } from '../reports/read-key.js';
import type { RouteDeps } from './deps.js';
import { COLLECTOR_DEFAULTS } from '../../shared/config.js';

/** From COLLECTOR_DEFAULTS, by the names LiveRouteOptions uses. */
export const LIVE_DEFAULTS = {
  maxClients: COLLECTOR_DEFAULTS.liveMaxClients,
  queueCapacity: COLLECTOR_DEFAULTS.liveQueueCapacity,
  heartbeatMs: COLLECTOR_DEFAULTS.liveHeartbeatMs,
} as const;

export interface LiveRouteOptions {
  maxClients?: number;
  queueCapacity?: number;
  heartbeatMs?: number;
}

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // Nginx and friends would otherwise buffer the stream.
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
  // A stream gains nothing from keep-alive, and a closed one must free its socket at once, or a
  // server shutting down would wait for the idle connection to time out.
  connection: 'close',
};

export function registerLiveRoute(app: FastifyInstance, deps: RouteDeps, options: LiveRouteOptions = {}): LiveHub {
  const maxClients = options.maxClients ?? LIVE_DEFAULTS.maxClients;
  const hub = createLiveHub({
    observers: deps.observers!,
    maxClients,
    queueCapacity: options.queueCapacity ?? LIVE_DEFAULTS.queueCapacity,
    heartbeatMs: options.heartbeatMs ?? LIVE_DEFAULTS.heartbeatMs,
  });
  app.addHook('preClose', (done) => {
    hub.closeAll();
    done();
  });

  app.get('/v1/live', async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    // '' when absent: this route accepts ?key=, and its 401 says so.
    requireReadKey(deps, request, query.key ?? '');
    const parsed = parseLiveFilter(query);
    if (!parsed.ok) throw new HttpError(400, 'invalid-filter', parsed.reason);
    if (hub.clients >= maxClients) {
      throw new HttpError(503, 'too-many-live-clients', `at most ${maxClients} live views at once on this collector; close one or retry later`, {
        'retry-after': '10',
      });
    }

    const res = reply.raw;
    const sink: LiveSink = {
      write: (chunk) => res.write(chunk),
      onceDrained: (callback) => void res.once('drain', callback),
      end: () => res.end(),
    };
    // From here on the route writes the response itself, for as long as the client stays.
    reply.hijack();
    res.writeHead(200, STREAM_HEADERS);
    const joined = hub.connect(parsed.filter, sink);
    if (!joined.ok) {
      // Only `closed` is possible here (capacity was checked above, in the same turn).
      res.end();
      return;
    }
    res.once('close', joined.disconnect);
    request.log.debug({ clients: hub.clients }, 'live view opened');
  });
  return hub;
}

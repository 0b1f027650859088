/**
 * The collector as a Fastify app, not yet listening: the CLI listens on it, tests `inject` into it.
 * Everything with state or time (the store, the keys, the clock) comes in as an argument.
 *
 * Order of the checks a request meets: per-IP rate limit (429, before any body is read), origin
 * (403, event routes only: cors.ts), body parsing (413, 415, 400), key (401) and per-key rate
 * limit (429), then the route.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { COLLECTOR_DEFAULTS } from '../shared/config.js';
import { registerBodyParser } from './body.js';
import { originChecker, registerCors, type AllowedOrigins } from './cors.js';
import { errorBody, toErrorAnswer } from './http-error.js';
import { createOutcomeLog, newCounters, type CollectorCounters } from './ingest.js';
import { anonymizeIp, normalizeIp, rateLimitKey } from './ip.js';
import { createKeyRing, type KeyRing } from './keys.js';
import { createIngestObservers } from './observe.js';
import { loggerOptions, type CollectorLoggerOptions } from './log.js';
import { createRateLimiter } from './rate-limit.js';
import { reportRefusedOrigins } from './refused-origins.js';
import { registerAdminRoutes } from './routes/admin.js';
import type { RouteDeps } from './routes/deps.js';
import { registerDashboardRoute } from './routes/dashboard.js';
import { registerHealthRoute } from './routes/health.js';
import { registerLiveRoute, type LiveRouteOptions } from './routes/live.js';
import { ingestPlugin } from './routes/ingest-plugin.js';
import { PIXEL_PATH, THROTTLED } from './routes/pixel.js';
import type { EventStore } from './store/store.js';
import { createQualityRecorder } from './reports/quality-recorder.js';
import type { ReportSource } from './reports/source.js';
import { registerReportRoutes } from './routes/reports.js';
import { createEventValidator } from './validate.js';
import { createConventionCheck, type ConventionPolicy } from './event-policy.js';
import type { StandaloneValidateFn } from '../shared/schemas/event-checks.js';

export interface CollectorOptions {
  store: EventStore;
  /** Exact origins allowed to send events from a browser, or `'*'`. */
  origins: AllowedOrigins;
  /** Epoch ms; defaults to `Date.now`. */
  now?: () => number;
  /** Largest request body of the routes that take no events, on the wire and after decompression. */
  bodyLimitBytes?: number;
  /** Largest request body of the event routes, on the wire and after decompression (Segment's 500 KB). */
  maxBatchBytes?: number;
  /**
   * What breaking Homing's naming convention or a site's schema costs an event from a library other
   * than Homing's, when its key sets no policy (event-policy.ts). Default `flag`.
   */
  conventions?: ConventionPolicy;
  /** A site's validators of `properties` by event name (`--schemas`, site-schemas.ts). */
  siteSchemas?: ReadonlyMap<string, StandaloneValidateFn>;
  /** Deepest JSON nesting accepted in a body. */
  maxJsonDepth?: number;
  /** Structured logs; off by default. */
  logger?: false | CollectorLoggerOptions;
  /** Write, server-to-server and admin keys; the CLI swaps its contents when the keys file changes. */
  keys?: KeyRing;
  /** Store and log full client IPs instead of anonymised ones. */
  keepIp?: boolean;
  /**
   * Proxies whose `X-Forwarded-For` is believed (addresses, CIDR ranges, or `loopback`,
   * `linklocal`, `uniquelocal`); otherwise the client IP is the socket's peer.
   */
  trustedProxies?: readonly string[];
  /** Requests per second per client IP (IPv6: per /64) and per key; 0 turns one off. Bursts of 2×. */
  rateLimit?: { perIp?: number; perKey?: number };
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Slow clients: the whole header block, and the whole request, must arrive within these. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Window of the pixel's derived messageIds (pixel.ts). */
  pixelDedupWindowMs?: number;
  /** Limits of the live view, `GET /v1/live` (routes/live.ts has the defaults). */
  live?: LiveRouteOptions;
  /** Where the built dashboard is (index.html, dashboard.js, dashboard.css); dist/dashboard by default. */
  dashboardDir?: string;
  /** Demo only, never in production: `POST /demo/outage` makes ingest answer 503 (routes/demo-controls.ts). */
  demoControls?: boolean;
  /**
   * Answers `GET /v1/reports/*` (the CLI runs SQLite's on a worker thread of its own); without it
   * those answer 503. The caller owns it and closes it after the app.
   */
  reports?: ReportSource;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What the collector dropped, refused or throttled (ingest.ts); read with `collectorCounters(app)`. */
    homingCounters: CollectorCounters;
  }
}

/** The counters of an app made by `createCollector`: what it dropped, refused or throttled. */
export function collectorCounters(app: FastifyInstance): Readonly<CollectorCounters> {
  if (!app.hasDecorator('homingCounters')) throw new Error('collectorCounters: not an app made by createCollector');
  return app.homingCounters;
}

export function createCollector(options: CollectorOptions): FastifyInstance {
  const d = COLLECTOR_DEFAULTS;
  const bodyLimitBytes = options.bodyLimitBytes ?? d.bodyLimitBytes;
  const now = options.now ?? Date.now;
  const keepIp = options.keepIp ?? false;
  const storable = keepIp ? normalizeIp : anonymizeIp;
  const headersTimeout = options.headersTimeoutMs ?? d.headersTimeoutMs;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? d.requestTimeoutMs, headersTimeout);
  const tls = options.tls;

  const app = Fastify({
    logger: options.logger ? loggerOptions(options.logger, storable) : false,
    logController: new RequestLogs(),
    bodyLimit: bodyLimitBytes,
    trustProxy: options.trustedProxies && options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    // DELETE /v1/users/:id takes ids up to 200 characters (Fastify's default stops at 100).
    routerOptions: { maxParamLength: 256 },
    // Node closes a connection whose headers (or whole request) take too long: slow-loris
    // clients cannot hold sockets open. The check runs every second, not Node's default 30 s.
    serverFactory: (handler) => {
      const timeouts = { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1_000, headersTimeout) };
      const server = tls
        ? (createHttpsServer({ ...timeouts, cert: tls.cert, key: tls.key }, handler) as unknown as Server)
        : createHttpServer(timeouts, handler);
      server.keepAliveTimeout = d.keepAliveTimeoutMs;
      return server;
    },
  });

  // One error shape for every failure, Fastify's own included, so clients parse one thing.
  const counters = newCounters();
  app.decorate('homingCounters', counters);
  // A whole request refused (a body that is not JSON, too large, a path no route has) loses every
  // event in it for a client that does not resend on a 4xx, and no Segment-compatible client does:
  // each is counted, and logged at info, one line per status, code and path a minute at most.
  const refusalLog = createOutcomeLog(now);
  const noteRefusal = (request: FastifyRequest, statusCode: number, code: string, reason: string) => {
    counters.requestsRefused++;
    const path = request.routeOptions.url ?? request.url.split('?')[0].slice(0, 200);
    const verdict = refusalLog.take(`${statusCode} ${code} ${path}`);
    if (verdict.log) request.log.info({ statusCode, code, reason, path, unloggedSinceLastLine: verdict.suppressed }, 'request refused');
  };

  app.setErrorHandler((err, request, reply) => {
    const { statusCode, body, headers } = toErrorAnswer(err);
    if (statusCode >= 500) request.log.error({ err }, 'request failed');
    // 401, 403 and 429 have their own counters and lines (auth.ts, refused-origins.ts).
    else if (statusCode !== 401 && statusCode !== 403 && statusCode !== 429) noteRefusal(request, statusCode, body.error, body.reason);
    if (headers) reply.headers(headers);
    return reply.code(statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const reason = `no route ${request.method} ${request.url.split('?')[0]}`;
    noteRefusal(request, 404, 'not-found', reason);
    return reply.code(404).send(errorBody('not-found', reason));
  });
  const ipLimiter = createRateLimiter(burstRule(options.rateLimit?.perIp ?? d.rateLimitPerIp), d.rateLimitMaxTracked);
  const keyLimiter = createRateLimiter(burstRule(options.rateLimit?.perKey ?? d.rateLimitPerKey), d.rateLimitMaxTracked);

  // First of all, before the body is even read: a flood costs a map lookup per request.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url === '/healthz') return done();
    const wait = ipLimiter.take(rateLimitKey(request.ip), now());
    if (wait === 0) return done();
    if (request.routeOptions.url === PIXEL_PATH) {
      (request as FastifyRequest & { [THROTTLED]?: boolean })[THROTTLED] = true;
      return done();
    }
    counters.rateLimited++;
    request.log.debug({ ip: storable(request.ip) }, 'request refused: client over its rate limit');
    reply
      .code(429)
      .headers(corsPolicy.earlyHeaders(request))
      .header('retry-after', String(wait))
      .send(errorBody('rate-limited', `too many requests from this address; retry in ${wait} s`));
  });

  // Shutting down: requests already being handled finish, and their answers close the connection,
  // so close() is not held open by keep-alive sockets (new requests get Fastify's 503).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    // An answer before the body has all arrived (413 while it is still being sent) closes the
    // connection. Closed at once, the data the client is still sending makes the kernel answer RST,
    // which can destroy the 413 in the client's receive buffer before it reads it. So linger a
    // little, reading and discarding, as nginx does (RFC 9112 §9.6).
    if (!request.raw.complete && reply.getHeader('connection') === 'close') lingerOnClose(request.raw.socket);
    done(null, payload);
  });

  // Before any route: it reads each route's `crossOrigin` as the route is added. (The rate limit
  // hook above uses it, once requests arrive.)
  const corsPolicy = registerCors(app, options.origins, reportRefusedOrigins(counters, now));
  registerBodyParser(app, options.maxJsonDepth ?? d.maxJsonDepth);
  registerHealthRoute(app);

  const deps: RouteDeps = {
    store: options.store,
    validate: createEventValidator({
      checkSize: false,
      conventions: createConventionCheck({ otherLibraries: options.conventions ?? d.conventions, siteSchemas: options.siteSchemas }),
    }),
    outcomeLog: createOutcomeLog(now),
    counters,
    now,
    keys: options.keys ?? createKeyRing(),
    keyLimiter,
    maxBatchBytes: options.maxBatchBytes ?? d.maxBatchBytes,
    clientIp: (request) => storable(request.ip),
    senderIp: storable,
    originAllowed: originChecker(options.origins),
    pixelDedupWindowMs: options.pixelDedupWindowMs ?? d.pixelDedupWindowMs,
    observers: createIngestObservers((err) => app.log.error({ err }, 'ingest listener failed')),
  };
  // Every route that takes events, with its own hooks, in one encapsulated plugin; it inherits the
  // hooks, parser and handlers registered above.
  app.register(ingestPlugin, { deps, demoControls: options.demoControls ?? false });
  registerAdminRoutes(app, deps, now());
  registerLiveRoute(app, deps, options.live);
  registerDashboardRoute(app, options.dashboardDir);
  registerReportRoutes(app, deps, options.reports ?? null);
  // Quality counters (duplicates, rejections by reason) kept in the store, flushed once a second
  // and when the app closes, before the caller closes the store.
  const store = options.store;
  if (store.addQualityCounts) {
    const recorder = createQualityRecorder({
      write: (counts) => store.addQualityCounts!(counts),
      onError: (err) => app.log.error({ err }, 'quality counters not stored; kept for the next flush'),
    });
    deps.observers!.add(recorder.listener);
    app.addHook('onClose', () => recorder.close());
  }
  return app;
}

/**
 * One line per request, at debug (at info, two lines per request would cost more than storing its
 * events). Failures are logged by the error handler instead.
 */
class RequestLogs extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(_error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    request.log.debug({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
  // Scanners probe paths all day: a line each at info would bury everything else.
  override routeNotFound(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'route not found');
  }
}

/** How long a connection closed before its request body ended keeps discarding what still comes. */
const LINGER_MS = 2_000;

function lingerOnClose(socket: Socket | null): void {
  if (!socket || socket.destroyed) return;
  // Node's HTTP server ends a "Connection: close" exchange with socket.destroySoon(); this socket's
  // own version half-closes instead (our FIN goes out after the answer), lets the HTTP parser keep
  // discarding the rest of the body, and destroys the socket when the client closes its side or
  // after LINGER_MS, whichever comes first.
  socket.destroySoon = function lingeringDestroySoon(this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}

function burstRule(perSecond: number) {
  return { perSecond, burst: perSecond * COLLECTOR_DEFAULTS.rateLimitBurstSeconds };
}

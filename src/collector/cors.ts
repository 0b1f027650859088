/**
 * Which web origins may send events, and the CORS of the routes that take them.
 *
 * `--origins` is about sending events, nothing else. It governs the routes that declare themselves
 * cross-origin (`config: { crossOrigin }`): the event routes and the demo's outage switch. Every
 * other route is the collector's own: the dashboard page and its assets, the report API and the
 * live view (behind read keys), health, the admin routes (behind the admin key). Those carry no
 * CORS headers, offer no preflight, and never look at `Origin`: Chromium sends an `Origin` header
 * with the dashboard's own module script (a module script is a CORS request even from the same
 * origin), and refusing it left the dashboard blank on every collector started with `--origins`
 * (issue 14).
 *
 * CORS headers alone only stop a page from reading the answer: a beacon or a `text/plain` POST is a
 * "simple" request that the browser sends without asking, so a foreign site could still write
 * events. The collector therefore also refuses, with 403, any request to an event route whose
 * `Origin` header names an origin that is not allowed, preflight included. Requests without
 * `Origin` (servers, curl) are not browsers and pass. The pixel is the exception: it always answers
 * its GIF and checks the origin itself (routes/pixel.ts), recording nothing for a refused one.
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody } from './http-error.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Browsers on other origins call this route, so it gets CORS headers and a preflight.
     * `check`: a request from an origin `--origins` does not allow is answered 403 before its body
     * is read. `handler`: the route's handler checks the origin itself.
     */
    crossOrigin?: 'check' | 'handler';
    /** @fastify/cors's per-route switch (its types do not declare it): false, no CORS headers. */
    cors?: false;
  }
}

/** `'*'` allows every origin; otherwise exact origins such as `https://shop.example`. */
export type AllowedOrigins = '*' | readonly string[];

/** Whether a request with this `Origin` header may send events. */
export function originChecker(origins: AllowedOrigins): (origin: string | undefined) => boolean {
  if (origins === '*' || origins.includes('*')) return () => true;
  const allowed = new Set(origins);
  return (origin) => origin === undefined || allowed.has(origin);
}

/** What a page or service worker may read from an answer besides the safelisted headers. */
const EXPOSED_HEADERS = ['Accept-Encoding', 'Retry-After'];

/**
 * Request headers every preflight answer allows, besides those the preflight asks for: Homing's
 * service worker's (content-encoding once it compresses, authorization for a write key sent as
 * Basic auth) and those of the Segment-compatible clients tested in test/clients (analytics-next's
 * x-retry-count, RudderStack's AnonymousId and SentAt). A browser caches a preflight answer (for
 * `maxAge`) only for the headers it lists: an answer that listed just the headers of the first
 * request would cost a new preflight when a later one adds one, such as a resend's retry count or
 * the service worker's first compressed batch.
 */
const ALLOWED_REQUEST_HEADERS = ['content-type', 'content-encoding', 'authorization', 'x-retry-count', 'anonymousid', 'sentat'];

export interface Cors {
  /**
   * The CORS headers of an answer sent before the CORS plugin's hook runs (the per-IP 429, which
   * comes first of all), so that a page or service worker can still read its status and
   * Retry-After; none for a route that is not cross-origin.
   */
  earlyHeaders(request: FastifyRequest): Record<string, string>;
}

/**
 * Called for each request refused for its origin (403), with the route path it asked for; the
 * caller counts and logs it (throttled: a refused site may send thousands).
 */
export type OnOriginRefused = (request: FastifyRequest, origin: string, path: string) => void;

/** Call before registering any route: the routes' `crossOrigin` configs are read as they are added. */
export function registerCors(app: FastifyInstance, origins: AllowedOrigins, onRefused: OnOriginRefused): Cors {
  const any = origins === '*' || origins.includes('*');
  const allowed = originChecker(origins);
  /** Route URLs of every cross-origin route, and of those refusing an origin here. */
  const crossOrigin = new Set<string>();
  const checked = new Set<string>();

  app.addHook('onRoute', (route) => {
    const mode = route.config?.crossOrigin;
    if (mode) {
      crossOrigin.add(route.url);
      if (mode === 'check') checked.add(route.url);
    } else if (!(route.url === '*' && route.method === 'OPTIONS')) {
      // Everything but the CORS plugin's own preflight route, which answers for the routes above.
      route.config = { ...route.config, cors: false };
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = routePath(request);
    if (path === undefined || !crossOrigin.has(path)) {
      // The CORS plugin answers a preflight for any path: only the cross-origin routes have one.
      if (request.method === 'OPTIONS') {
        return reply.code(404).send(errorBody('not-found', `no cross-origin route ${request.url}`));
      }
      return;
    }
    if (any || !checked.has(path)) return;
    const origin = request.headers.origin;
    if (allowed(origin)) return;
    onRefused(request, origin!, path);
    return reply.code(403).send(errorBody('origin-not-allowed', `origin ${origin} may not send events here`));
  });

  // Loaded when the app becomes ready, after the hook above, which therefore runs first.
  app.register(cors, {
    origin: any ? '*' : [...origins],
    methods: ['GET', 'POST', 'OPTIONS'],
    // No fixed list of allowed request headers: the plugin reflects the ones a preflight asks for
    // (to origins allowed above), and the onSend hook below adds ALLOWED_REQUEST_HEADERS. Each
    // client library sends its own (RudderStack's resends add four Rsa-* headers); a fixed list
    // blocked every request of a client it did not name, and the headers carry no privilege: the
    // collector reads only the key and the encoding.
    // What a page or service worker may read from an answer besides the safelisted headers: the
    // codings the collector accepts (so the client may start gzipping) and a 429/503's wait.
    exposedHeaders: EXPOSED_HEADERS,
    // Events carry no cookies; ids are in the body.
    credentials: false,
    // Cache the preflight so a busy page does not pay one per batch (Chromium caps this at 2 h).
    maxAge: 7200,
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const reflected = request.method === 'OPTIONS' ? reply.getHeader('access-control-allow-headers') : undefined;
    if (typeof reflected === 'string') reply.header('access-control-allow-headers', allowHeaders(reflected));
    done(null, payload);
  });

  return {
    earlyHeaders(request): Record<string, string> {
      const origin = request.headers.origin;
      const path = routePath(request);
      if (origin === undefined || path === undefined || !crossOrigin.has(path) || !allowed(origin)) return {};
      return { 'access-control-allow-origin': any ? '*' : origin, 'access-control-expose-headers': EXPOSED_HEADERS.join(', '), vary: 'Origin' };
    },
  };
}

/** The headers a preflight asked for, with ALLOWED_REQUEST_HEADERS, each once. */
export function allowHeaders(requested: string): string {
  const names = new Set(ALLOWED_REQUEST_HEADERS);
  for (const name of requested.split(',')) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed !== '') names.add(trimmed);
  }
  return [...names].join(', ');
}

/**
 * The route a request is for. Every preflight lands on the CORS plugin's one `OPTIONS *` route, so
 * a preflight's route is its path.
 */
function routePath(request: FastifyRequest): string | undefined {
  if (request.method !== 'OPTIONS') return request.routeOptions.url;
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}

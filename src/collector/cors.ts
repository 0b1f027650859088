/**
 * Which web origins may send events.
 *
 * CORS headers alone only stop a page from reading the answer: a beacon or a `text/plain` POST is a
 * "simple" request that the browser sends without asking, so a foreign site could still write
 * events. The collector therefore also refuses, with 403, any request whose `Origin` header names
 * an origin that is not allowed, preflight included. Requests without `Origin` (servers, curl) are
 * not browsers and pass. The pixel is the exception: it always answers its GIF and checks the
 * origin itself (routes/pixel.ts), recording nothing for a refused one.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

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
 * The CORS headers of an answer sent before the CORS plugin's hook runs (the per-IP 429, which
 * comes first of all), so that a page or service worker can still read its status and Retry-After.
 */
export function earlyCorsHeaders(origins: AllowedOrigins, origin: string | undefined): Record<string, string> {
  if (origin === undefined || !originChecker(origins)(origin)) return {};
  const any = origins === '*' || origins.includes('*');
  return { 'access-control-allow-origin': any ? '*' : origin, 'access-control-expose-headers': EXPOSED_HEADERS.join(', '), vary: 'Origin' };
}

export function registerCors(app: FastifyInstance, origins: AllowedOrigins, exemptPaths: readonly string[] = []): void {
  const any = origins === '*' || origins.includes('*');
  if (!any) {
    const allowed = originChecker(origins);
    const exempt = new Set(exemptPaths);
    app.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (!allowed(origin) && !exempt.has(request.routeOptions.url ?? '')) {
        return reply.code(403).send({ error: 'origin-not-allowed', reason: `origin ${origin} may not send events here` });
      }
    });
  }
  // Loaded when the app becomes ready, after the origin check above, which therefore runs first.
  app.register(cors, {
    origin: any ? '*' : [...origins],
    methods: ['GET', 'POST', 'OPTIONS'],
    // content-encoding is not CORS-safelisted: a gzipped fetch needs the preflight to allow it;
    // authorization carries a write key sent Segment's way (Basic auth).
    allowedHeaders: ['content-type', 'content-encoding', 'authorization'],
    // What a page or service worker may read from an answer besides the safelisted headers: the
    // codings the collector accepts (so the client may start gzipping) and a 429/503's wait.
    exposedHeaders: EXPOSED_HEADERS,
    // Events carry no cookies; ids are in the body.
    credentials: false,
    // Cache the preflight so a busy page does not pay one per batch (Chromium caps this at 2 h).
    maxAge: 7200,
  });
}

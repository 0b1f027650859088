/**
 * Which web origins may send events.
 *
 * CORS headers alone only stop a page from reading the answer: a beacon or a `text/plain` POST is a
 * "simple" request that the browser sends without asking, so a foreign site could still write
 * events. The collector therefore also refuses, with 403, any request whose `Origin` header names
 * an origin that is not allowed, preflight included. Requests without `Origin` (servers, curl) are
 * not browsers and pass.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** `'*'` allows every origin; otherwise exact origins such as `https://shop.example`. */
export type AllowedOrigins = '*' | readonly string[];

export function registerCors(app: FastifyInstance, origins: AllowedOrigins): void {
  const any = origins === '*' || origins.includes('*');
  if (!any) {
    const allowed = new Set(origins);
    app.addHook('onRequest', async (request, reply) => {
      const origin = request.headers.origin;
      if (origin !== undefined && !allowed.has(origin)) {
        return reply.code(403).send({ error: 'origin-not-allowed', reason: `origin ${origin} may not send events here` });
      }
    });
  }
  // Loaded when the app becomes ready, after the origin check above, which therefore runs first.
  app.register(cors, {
    origin: any ? '*' : [...origins],
    methods: ['GET', 'POST', 'OPTIONS'],
    // content-encoding is not CORS-safelisted: a gzipped fetch needs the preflight to allow it.
    allowedHeaders: ['content-type', 'content-encoding'],
    // What a page or service worker may read from an answer besides the safelisted headers: the
    // codings the collector accepts (so the client may start gzipping) and a 429/503's wait.
    exposedHeaders: ['Accept-Encoding', 'Retry-After'],
    // Events carry no cookies; ids are in the body.
    credentials: false,
    // Cache the preflight so a busy page does not pay one per batch (Chromium caps this at 2 h).
    maxAge: 7200,
  });
}

/**
 * `GET /p.gif`: a 1×1 transparent GIF that records an event from its query string (../pixel.ts
 * names the parameters), for e-mail opens and `<noscript>` page views.
 *
 * It always answers the GIF, 200 and uncacheable, whatever happened: a broken image in a mail or a
 * page helps nobody, and the sender could not act on an error anyway. What went wrong is counted
 * instead (`pixelRejected`, `pixelThrottled`, `pixelFailed` in `GET /v1/stats`) and logged at
 * info with the reason. A HEAD request (link checkers, some prefetchers) records nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireWriteKey } from '../auth.js';
import { HttpError } from '../http-error.js';
import { ingest } from '../ingest.js';
import { parsePixel, TRANSPARENT_GIF, type PixelQuery } from '../pixel.js';
import type { RouteDeps } from './deps.js';

export const PIXEL_PATH = '/p.gif';

const GIF_HEADERS = {
  'content-type': 'image/gif',
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
  // Pages that isolate themselves (COEP) may still embed it.
  'cross-origin-resource-policy': 'cross-origin',
};

/** Set by the per-IP rate limit hook: answer the GIF, record nothing. */
export const THROTTLED = Symbol('homing.pixelThrottled');
type MaybeThrottled = FastifyRequest & { [THROTTLED]?: boolean };

export function registerPixelRoute(app: FastifyInstance, deps: RouteDeps): void {
  // Its handler checks the origin (record() below): a refused origin still gets its GIF.
  app.get(PIXEL_PATH, { config: { crossOrigin: 'handler' } }, async (request, reply) => {
    reply.headers(GIF_HEADERS);
    if (request.method === 'GET') await record(deps, request);
    return reply.code(200).send(TRANSPARENT_GIF);
  });
}

async function record(deps: RouteDeps, request: FastifyRequest): Promise<void> {
  const { counters } = deps;
  const refuse = (code: string, reason: string) => {
    counters.pixelRejected++;
    request.log.info({ code, reason }, 'pixel hit not recorded');
  };
  if ((request as MaybeThrottled)[THROTTLED]) {
    counters.pixelThrottled++;
    return;
  }
  if (!deps.originAllowed(request.headers.origin)) return refuse('origin-not-allowed', `origin ${request.headers.origin} may not send events here`);

  const receivedAt = deps.now();
  const ip = deps.clientIp(request);
  const parsed = parsePixel({
    query: request.query as PixelQuery,
    receivedAt,
    ip,
    userAgent: request.headers['user-agent'],
    referer: request.headers.referer,
    dedupWindowMs: deps.pixelDedupWindowMs,
  });
  if (!parsed.ok) return refuse(parsed.code, parsed.reason);

  try {
    requireWriteKey(deps, request, parsed.writeKey);
    const answer = await ingest(deps, [parsed.event], { receivedAt, batchSentAt: null, channel: 'pixel', ip }, request.log);
    const rejected = answer.rejected[0];
    if (rejected) refuse(rejected.code, rejected.reason);
  } catch (err) {
    if (err instanceof HttpError && err.statusCode === 429) counters.pixelThrottled++;
    else if (err instanceof HttpError && err.statusCode === 401) refuse('unauthorized', err.message);
    else {
      counters.pixelFailed++;
      request.log.error({ err }, 'pixel hit could not be stored');
    }
  }
}

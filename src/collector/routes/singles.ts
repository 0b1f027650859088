/**
 * Segment's single-event endpoints: `POST /v1/{track,page,screen,identify,group,alias}` and the
 * short forms analytics-next posts to, `/v1/{t,p,s,i,g,a}`. The body is one event; its `type` comes
 * from the path (whatever the body says). Validation, storing and receipts are the batch
 * endpoint's, for a batch of one: 200 with `{ accepted, duplicate, rejected }`, so a rejected event
 * is a 200 with its reason, as it would be inside a batch.
 *
 * A `writeKey` field in the body is the write key (Segment's convention); like a `writeKey` inside
 * any event, it is never stored (spec-input.ts removes it before validation).
 */
import type { FastifyInstance } from 'fastify';
import type { EventType } from '../../shared/event.js';
import { requireSender } from '../auth.js';
import { HttpError } from '../http-error.js';
import { ingest, type BatchAnswer } from '../ingest.js';
import { arrivalOf } from './arrival.js';
import { advertiseEncodings, bodyField, readSentAt } from './batch.js';
import type { RouteDeps } from './deps.js';

/** Each path and the type its events get. */
export const SINGLE_PATHS: Readonly<Record<string, EventType>> = {
  '/v1/track': 'track',
  '/v1/page': 'page',
  '/v1/screen': 'screen',
  '/v1/identify': 'identify',
  '/v1/group': 'group',
  '/v1/alias': 'alias',
  '/v1/t': 'track',
  '/v1/p': 'page',
  '/v1/s': 'screen',
  '/v1/i': 'identify',
  '/v1/g': 'group',
  '/v1/a': 'alias',
};

export function registerSingleRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const options = { onSend: advertiseEncodings, bodyLimit: deps.maxBatchBytes, config: { crossOrigin: 'check' as const } };
  for (const [path, type] of Object.entries(SINGLE_PATHS)) {
    app.post(path, options, async (request, reply): Promise<BatchAnswer> => {
      const sender = requireSender(deps, request, bodyField(request.body, 'writeKey'));
      const event = readEvent(request.body);
      event.type = type;
      const arrival = arrivalOf(deps, request, sender, readSentAt(event.sentAt), [event]);
      const answer = await ingest(deps, [event], arrival, request.log);
      reply.code(200);
      return answer;
    });
  }
}

/** The body as one event. Its `writeKey`, if any, is removed with every event's (spec-input.ts). */
export function readEvent(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid-envelope', 'body must be one event, a JSON object');
  }
  return body as Record<string, unknown>;
}

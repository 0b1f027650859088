/**
 * Segment's single-event endpoints: `POST /v1/track`, `/v1/page`, `/v1/identify`. The body is one
 * event; its `type` comes from the path (whatever the body says). Validation, storing and receipts
 * are the batch endpoint's, for a batch of one: 200 with `{ accepted, duplicate, rejected }`, so a
 * rejected event is a 200 with its reason, as it would be inside a batch.
 *
 * A `writeKey` field in the body is the write key (Segment's convention) and is not stored.
 */
import type { FastifyInstance } from 'fastify';
import type { EventType } from '../../shared/event.js';
import { requireWriteKey } from '../auth.js';
import { HttpError } from '../http-error.js';
import { ingest, type BatchAnswer } from '../ingest.js';
import { advertiseEncodings, bodyField, readSentAt } from './batch.js';
import type { RouteDeps } from './deps.js';

const SINGLE_TYPES: readonly EventType[] = ['track', 'page', 'identify'];

export function registerSingleRoutes(app: FastifyInstance, deps: RouteDeps): void {
  for (const type of SINGLE_TYPES) {
    app.post(`/v1/${type}`, { onSend: advertiseEncodings, config: { crossOrigin: 'check' } }, async (request, reply): Promise<BatchAnswer> => {
      requireWriteKey(deps, request, bodyField(request.body, 'writeKey'));
      const event = readEvent(request.body);
      event.type = type;
      const arrival = { receivedAt: deps.now(), batchSentAt: readSentAt(event.sentAt), channel: 'browser' as const, ip: deps.clientIp(request) };
      const answer = await ingest(deps, [event], arrival, request.log);
      reply.code(200);
      return answer;
    });
  }
}

/** The body as one event, without the write key (a key is never stored). */
export function readEvent(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid-envelope', 'body must be one event, a JSON object');
  }
  const event = body as Record<string, unknown>;
  delete event.writeKey;
  return event;
}

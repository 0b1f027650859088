/**
 * `POST /v1/s2s`: events from a site's own servers, behind a secret key (`Authorization: Bearer
 * <key>`, or Basic with the key as user name as Segment's server libraries send it). The body is a
 * batch `{ batch: [...], sentAt }` or one event.
 *
 * These events are stored on the `server` channel. Dedup is shared with the other channels: a
 * server copy of a browser event (same `messageId`) is answered "duplicate" and only adds `server`
 * to the stored event's `channels`. A server may know the end user's IP and put it in `context.ip`;
 * it is kept (anonymised like any other) instead of the server's own address.
 */
import type { FastifyInstance } from 'fastify';
import { requireKey } from '../auth.js';
import { ingest, type BatchAnswer } from '../ingest.js';
import { arrivalOf } from './arrival.js';
import { advertiseEncodings, bodyField, readEnvelope, readSentAt } from './batch.js';
import type { RouteDeps } from './deps.js';
import { readEvent } from './singles.js';

export function registerS2sRoute(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/v1/s2s', { onSend: advertiseEncodings, bodyLimit: deps.maxBatchBytes, config: { crossOrigin: 'check' } }, async (request, reply): Promise<BatchAnswer> => {
    // Segment's libraries also put the key in the body as `writeKey`; the header is enough.
    const key = requireKey(deps, request, 's2s');
    let items: unknown[];
    let sentAt: number | null;
    if (Array.isArray(bodyField(request.body, 'batch'))) {
      ({ batch: items, sentAt } = readEnvelope(request.body));
    } else {
      const event = readEvent(request.body);
      items = [event];
      sentAt = readSentAt(event.sentAt);
    }
    const arrival = arrivalOf(deps, request, { key, server: true }, sentAt, items);
    const answer = await ingest(deps, items, arrival, request.log);
    reply.code(200);
    return answer;
  });
}

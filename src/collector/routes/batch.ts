/**
 * `POST /v1/batch`: the SDK endpoint, Segment's batch shape `{ batch: [...], sentAt }`.
 *
 * Envelope problems (not JSON, no `batch` array, too many events) fail the whole request with a
 * 4xx. Past the envelope every event gets its own receipt and the answer is 200: valid events are
 * stored even when others in the same batch are rejected. The answer is sent only after the store
 * committed, and a store failure is a 503 so the client resends; its stable ids make that safe.
 *
 * The envelope may also carry the device's loss manifest, stored in the same transaction as the
 * events. A manifest that fails its checks is ignored (counted, logged at warn) and never fails
 * the batch: counters are a report, the events are the data.
 *
 * When write keys are configured, the batch must carry one (Basic auth or a `writeKey` field).
 *
 * Every answer of the ingest routes, errors included, carries `Accept-Encoding: gzip, deflate` so
 * the client learns from its first request, whatever the outcome, that it may compress the next.
 */
import type { FastifyInstance, onSendHookHandler } from 'fastify';
import { requireWriteKey } from '../auth.js';
import { ACCEPTED_CONTENT_ENCODINGS } from '../body.js';
import { HttpError } from '../http-error.js';
import { ingest, type BatchAnswer } from '../ingest.js';
import { readManifest } from '../manifest.js';
import type { StoredManifest } from '../store/store.js';
import type { RouteDeps } from './deps.js';

export { STORE_RETRY_AFTER_SECONDS, type BatchAnswer, type CollectorCounters } from '../ingest.js';

/**
 * A route-level onSend runs for every answer to its route, the error handler's included (400 bad
 * JSON, 413, 415, 503), so the advertisement does not depend on how the request went.
 */
export const advertiseEncodings: onSendHookHandler = (_request, reply, payload, done) => {
  reply.header('accept-encoding', ACCEPTED_CONTENT_ENCODINGS);
  done(null, payload);
};

export function registerBatchRoute(app: FastifyInstance, deps: RouteDeps): void {
  app.post('/v1/batch', { onSend: advertiseEncodings, config: { crossOrigin: 'check' } }, async (request, reply): Promise<BatchAnswer> => {
    // The key first: a sender without one learns nothing, not even what is wrong with its body.
    requireWriteKey(deps, request, bodyField(request.body, 'writeKey'));
    const envelope = readEnvelope(request.body, deps.maxBatchEvents);
    const receivedAt = deps.now();

    let manifest: StoredManifest | undefined;
    if (envelope.manifest !== undefined) {
      const check = readManifest(envelope.manifest);
      if (check.ok) {
        const { deviceId, at, counts, lastSeq } = check.manifest;
        manifest = { deviceId, at, receivedAt, counts, lastSeq: lastSeq ?? null };
      } else {
        deps.counters.manifestsRejected++;
        request.log.warn({ reason: check.reason }, 'loss manifest ignored; the batch goes through without it');
      }
    }

    const arrival = { receivedAt, batchSentAt: envelope.sentAt, channel: 'browser' as const, ip: deps.clientIp(request) };
    const answer = await ingest(deps, envelope.batch, arrival, request.log, manifest);
    reply.code(200);
    return answer;
  });
}

export interface Envelope {
  batch: unknown[];
  /** Epoch ms, or null when absent or unusable. */
  sentAt: number | null;
  manifest: unknown;
}

/** `body[name]` when the body is a JSON object. */
export function bodyField(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined;
}

export function readEnvelope(body: unknown, maxBatchEvents: number): Envelope {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid-envelope', 'body must be a JSON object { batch: [...], sentAt }');
  }
  const { batch, sentAt, manifest } = body as { batch?: unknown; sentAt?: unknown; manifest?: unknown };
  if (!Array.isArray(batch)) throw new HttpError(400, 'invalid-envelope', '/batch must be an array of events');
  if (batch.length > maxBatchEvents) {
    // 413, not 400: the batch is fine, only too big for one request, and clients answer a 413
    // by splitting the batch (a 400 would make them give up on every event in it).
    throw new HttpError(413, 'too-many-events', `/batch has ${batch.length} events; at most ${maxBatchEvents} per request`);
  }
  return { batch, sentAt: readSentAt(sentAt), manifest };
}

/**
 * An unusable sentAt only disables skew correction: refusing the request for it would turn a
 * cosmetic client bug into lost events.
 */
export function readSentAt(sentAt: unknown): number | null {
  const ms = typeof sentAt === 'string' ? Date.parse(sentAt) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

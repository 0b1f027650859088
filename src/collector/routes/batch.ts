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
 * Every answer of this route, errors included, carries `Accept-Encoding: gzip, deflate` so the
 * client learns from its first request, whatever the outcome, that it may compress the next ones.
 */
import type { FastifyInstance, onSendHookHandler } from 'fastify';
import type { BatchReceipts } from '../../shared/event.js';
import { ACCEPTED_CONTENT_ENCODINGS } from '../body.js';
import { HttpError } from '../http-error.js';
import { readManifest } from '../manifest.js';
import { createNormalizer } from '../normalize.js';
import type { EventStore, InsertResult, StoredManifest } from '../store/store.js';
import { triageBatch, type EventValidator, type IndexedRejection } from '../validate.js';

export interface BatchRouteOptions {
  store: EventStore;
  validate: EventValidator;
  /** Epoch ms; the collector's clock for `receivedAt`. */
  now: () => number;
  maxBatchEvents: number;
  /** Incremented by the route; read them with `collectorCounters(app)`. */
  counters: CollectorCounters;
}

/** What the collector dropped without failing a request. */
export interface CollectorCounters {
  /** Batches whose `manifest` failed its checks and was ignored (their events were still handled). */
  manifestsRejected: number;
}

/** The receipts as sent: rejections also carry the event's index in the batch. */
export interface BatchAnswer extends BatchReceipts {
  rejected: IndexedRejection[];
}

/** What a 503 for a failed store asks clients to wait. */
export const STORE_RETRY_AFTER_SECONDS = 5;

export function registerBatchRoute(app: FastifyInstance, options: BatchRouteOptions): void {
  const { store, validate, now, maxBatchEvents, counters } = options;

  // A route-level onSend runs for every answer to this route, the error handler's included
  // (400 bad JSON, 413, 415, 503), so the advertisement does not depend on how the request went.
  const onSend: onSendHookHandler = (_request, reply, payload, done) => {
    reply.header('accept-encoding', ACCEPTED_CONTENT_ENCODINGS);
    done(null, payload);
  };

  app.post('/v1/batch', { onSend }, async (request, reply): Promise<BatchAnswer> => {
    const { batch, sentAt, manifest: rawManifest } = readEnvelope(request.body, maxBatchEvents);
    const receivedAt = now();
    const triage = triageBatch(batch, validate);
    const rows = triage.valid.map(createNormalizer({ receivedAt, batchSentAt: sentAt }));

    let manifest: StoredManifest | undefined;
    if (rawManifest !== undefined) {
      const check = readManifest(rawManifest);
      if (check.ok) {
        const { deviceId, at, counts, lastSeq } = check.manifest;
        manifest = { deviceId, at, receivedAt, counts, lastSeq: lastSeq ?? null };
      } else {
        counters.manifestsRejected++;
        request.log.warn({ reason: check.reason }, 'loss manifest ignored; the batch goes through without it');
      }
    }

    let result: InsertResult;
    try {
      result = store.insertBatch(rows, manifest);
    } catch (err) {
      request.log.error({ err, events: rows.length }, 'store failed; answering 503 so the client resends');
      // A hint, so thousands of clients do not come back at once onto a struggling store.
      reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
      throw new HttpError(503, 'store-unavailable', 'the events could not be stored; resend them later');
    }

    reply.code(200);
    return {
      accepted: result.inserted,
      duplicate: triage.repeated.length === 0 ? result.duplicate : result.duplicate.concat(triage.repeated),
      rejected: triage.rejected,
    };
  });
}

function readEnvelope(body: unknown, maxBatchEvents: number): { batch: unknown[]; sentAt: number | null; manifest: unknown } {
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
  // An unusable envelope sentAt only disables skew correction: refusing the batch for it would
  // turn a cosmetic client bug into lost events.
  const sentAtMs = typeof sentAt === 'string' ? Date.parse(sentAt) : NaN;
  return { batch, sentAt: Number.isFinite(sentAtMs) ? sentAtMs : null, manifest };
}

/**
 * `POST /v1/batch`: the SDK endpoint, Segment's batch shape `{ batch: [...], sentAt }`.
 *
 * Envelope problems (not JSON, no `batch` array, too many events) fail the whole request with a
 * 4xx. Past the envelope every event gets its own receipt and the answer is 200: valid events are
 * stored even when others in the same batch are rejected. The answer is sent only after the store
 * committed, and a store failure is a 503 so the client resends; its stable ids make that safe.
 */
import type { FastifyInstance } from 'fastify';
import type { BatchReceipts } from '../../shared/event.js';
import { HttpError } from '../http-error.js';
import { createNormalizer } from '../normalize.js';
import type { EventStore, InsertResult } from '../store/store.js';
import { triageBatch, type EventValidator, type IndexedRejection } from '../validate.js';

export interface BatchRouteOptions {
  store: EventStore;
  validate: EventValidator;
  /** Epoch ms; the collector's clock for `receivedAt`. */
  now: () => number;
  maxBatchEvents: number;
}

/** The receipts as sent: rejections also carry the event's index in the batch. */
export interface BatchAnswer extends BatchReceipts {
  rejected: IndexedRejection[];
}

export function registerBatchRoute(app: FastifyInstance, options: BatchRouteOptions): void {
  const { store, validate, now, maxBatchEvents } = options;

  app.post('/v1/batch', async (request, reply): Promise<BatchAnswer> => {
    const { batch, sentAt } = readEnvelope(request.body, maxBatchEvents);
    const receivedAt = now();
    const triage = triageBatch(batch, validate);
    const rows = triage.valid.map(createNormalizer({ receivedAt, batchSentAt: sentAt }));

    let result: InsertResult;
    try {
      result = store.insertBatch(rows);
    } catch (err) {
      request.log.error({ err, events: rows.length }, 'store failed; answering 503 so the client resends');
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

function readEnvelope(body: unknown, maxBatchEvents: number): { batch: unknown[]; sentAt: number | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid-envelope', 'body must be a JSON object { batch: [...], sentAt }');
  }
  const { batch, sentAt } = body as { batch?: unknown; sentAt?: unknown };
  if (!Array.isArray(batch)) throw new HttpError(400, 'invalid-envelope', '/batch must be an array of events');
  if (batch.length > maxBatchEvents) {
    // 413, not 400: the batch is fine, only too big for one request, and clients answer a 413
    // by splitting the batch (a 400 would make them give up on every event in it).
    throw new HttpError(413, 'too-many-events', `/batch has ${batch.length} events; at most ${maxBatchEvents} per request`);
  }
  // An unusable envelope sentAt only disables skew correction: refusing the batch for it would
  // turn a cosmetic client bug into lost events.
  const sentAtMs = typeof sentAt === 'string' ? Date.parse(sentAt) : NaN;
  return { batch, sentAt: Number.isFinite(sentAtMs) ? sentAtMs : null };
}

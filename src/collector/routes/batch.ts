/**
 * The batch endpoints, Segment's batch shape `{ batch: [...], sentAt }`, at every path
 * Segment-compatible clients post one to: `/v1/batch` (Homing's SDK, the server libraries),
 * `/v1/b` (analytics-next when batching, and the mobile libraries with their default `/v1` host),
 * `/b` (the mobile libraries given a bare host), `/v1/import` (Segment's historical import), and
 * `/beacon/v1/batch` (RudderStack's beacon, which puts its write key in the query string: a beacon
 * cannot set headers).
 *
 * Envelope problems (not JSON, no `batch` array, a body over 500 KB) fail the whole request with a
 * 4xx. Past the envelope every event gets its own receipt and the answer is 200: valid events are
 * stored even when others in the same batch are rejected. The answer is sent only after the store
 * committed, and a store failure is a 503 so the client resends; its stable ids make that safe.
 *
 * The envelope may also carry the device's loss manifest, stored in the same transaction as the
 * events. A manifest that fails its checks is ignored (counted, logged at warn) and never fails
 * the batch: counters are a report, the events are the data.
 *
 * When write keys are configured, the batch must carry one (Basic auth, a `writeKey` field, or the
 * beacon's query parameter); an s2s key makes it a server's batch (auth.ts `requireSender`).
 *
 * Every answer of the ingest routes, errors included, carries `Accept-Encoding: gzip, deflate` so
 * the client learns from its first request, whatever the outcome, that it may compress the next.
 */
import type { FastifyInstance, FastifyRequest, onSendHookHandler } from 'fastify';
import { requireSender, type Sender } from '../auth.js';
import { ACCEPTED_CONTENT_ENCODINGS } from '../body.js';
import { HttpError } from '../http-error.js';
import { ingest, type BatchAnswer } from '../ingest.js';
import { readManifest } from '../manifest.js';
import type { StoredManifest } from '../store/store.js';
import { arrivalOf } from './arrival.js';
import type { RouteDeps } from './deps.js';

export { STORE_RETRY_AFTER_SECONDS, type BatchAnswer, type CollectorCounters } from '../ingest.js';

/** Where batches are posted (see above); the beacon path is the one that reads a key from the query. */
export const BATCH_PATHS = ['/v1/batch', '/v1/b', '/b', '/v1/import'] as const;
export const BEACON_BATCH_PATH = '/beacon/v1/batch';

/**
 * A route-level onSend runs for every answer to its route, the error handler's included (400 bad
 * JSON, 413, 415, 503), so the advertisement does not depend on how the request went.
 */
export const advertiseEncodings: onSendHookHandler = (_request, reply, payload, done) => {
  reply.header('accept-encoding', ACCEPTED_CONTENT_ENCODINGS);
  done(null, payload);
};

export function registerBatchRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const options = { onSend: advertiseEncodings, bodyLimit: deps.maxBatchBytes, config: { crossOrigin: 'check' as const } };
  for (const path of [...BATCH_PATHS, BEACON_BATCH_PATH]) {
    app.post<{ Querystring: { writeKey?: string } }>(path, options, async (request, reply): Promise<BatchAnswer> => {
      // The key first: a sender without one learns nothing, not even what is wrong with its body.
      const queryKey = path === BEACON_BATCH_PATH ? request.query.writeKey : undefined;
      const sender = requireSender(deps, request, bodyField(request.body, 'writeKey') ?? queryKey);
      const answer = await ingestBatch(deps, request, sender);
      reply.code(200);
      return answer;
    });
  }
}

async function ingestBatch(deps: RouteDeps, request: FastifyRequest, sender: Sender): Promise<BatchAnswer> {
  const envelope = readEnvelope(request.body);
  const arrival = arrivalOf(deps, request, sender, envelope.sentAt, envelope.batch);
  const receivedAt = arrival.receivedAt;

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

  return ingest(deps, envelope.batch, arrival, request.log, manifest);
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

/** The batch envelope; its size was bounded in bytes while the body was read (`maxBatchBytes`). */
export function readEnvelope(body: unknown): Envelope {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid-envelope', 'body must be a JSON object { batch: [...], sentAt }');
  }
  const { batch, sentAt, manifest } = body as { batch?: unknown; sentAt?: unknown; manifest?: unknown };
  if (!Array.isArray(batch)) throw new HttpError(400, 'invalid-envelope', '/batch must be an array of events');
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

/**
 * The one path every event takes, whichever endpoint it came through (batch, singles, pixel,
 * server-to-server): validate, normalise, serialise once, store, answer receipts.
 *
 * The receipts are built only from what the store reported after committing, so an `accepted` id
 * is durable and a `duplicate` id was stored before (by this channel or another).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { BatchReceipts } from '../shared/event.js';
import { DELIVERY_HEADROOM, MAX_EVENT_JSON_LENGTH } from '../shared/schemas/event-checks.js';
import { HttpError } from './http-error.js';
import { createNormalizer, type Arrival } from './normalize.js';
import { createLogThrottle, type LogThrottle } from './log-throttle.js';
import type { FlaggedEvent, IngestObservers } from './observe.js';
import type { EventStore, InsertResult, StoredEvent, StoredManifest } from './store/store.js';
import { StoreBusyError } from './store/worker-store.js';
import { triageBatch, type BatchTriage, type EventValidator, type IndexedRejection } from './validate.js';

/** The receipts as sent: rejections also carry the event's index in the batch. */
export interface BatchAnswer extends BatchReceipts {
  rejected: IndexedRejection[];
}

/** What the collector counted; read them with `collectorCounters(app)` or `GET /v1/stats`. */
export interface CollectorCounters {
  /** Events stored, answered duplicate (a resend, or a copy through another channel), rejected. */
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  /** Events stored although they break a convention their sender's policy flags (event-policy.ts). */
  eventsFlagged: number;
  /** Batches whose `manifest` failed its checks and was ignored (their events were still handled). */
  manifestsRejected: number;
  /** Pixel hits that recorded nothing because a parameter was wrong (the GIF is answered anyway). */
  pixelRejected: number;
  /** Pixel hits over a rate limit: the GIF is answered, nothing is recorded. */
  pixelThrottled: number;
  /** Pixel hits whose event could not be stored (store failure). */
  pixelFailed: number;
  /** Requests answered 429. */
  rateLimited: number;
  /**
   * Requests refused whole with a 4xx other than 401, 403 and 429 (counted apart): bodies that are
   * not JSON or too large, paths no route has.
   */
  requestsRefused: number;
  /** Requests answered 401. */
  unauthorized: number;
  /** Requests to an event route answered 403 because `--origins` does not allow their `Origin`. */
  originRefused: number;
  /** Requests answered 503 because the store failed or was too far behind. */
  storeUnavailable: number;
}

export function newCounters(): CollectorCounters {
  return {
    eventsAccepted: 0, eventsDuplicate: 0, eventsRejected: 0, eventsFlagged: 0, manifestsRejected: 0, pixelRejected: 0,
    pixelThrottled: 0, pixelFailed: 0, requestsRefused: 0, rateLimited: 0, unauthorized: 0, originRefused: 0, storeUnavailable: 0,
  };
}

/** What a 503 for a failed store asks clients to wait. */
export const STORE_RETRY_AFTER_SECONDS = 5;
/** What a 503 for a store that is only behind asks: it catches up within a second or so. */
export const STORE_BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * The longest event once stored: what the worker allows (with the service worker's headroom) plus
 * what the collector adds (`receivedAt`, `originalTimestamp`, `context.ip`, `context.channel`).
 */
export const MAX_STORED_EVENT_JSON_LENGTH = MAX_EVENT_JSON_LENGTH + DELIVERY_HEADROOM + 1024;

export interface IngestDeps {
  store: EventStore;
  validate: EventValidator;
  counters: CollectorCounters;
  /** Told what became of each request's events (quality counters, the live view). */
  observers?: IngestObservers;
  /** Throttles the info lines about rejected and flagged events (per sender and code). */
  outcomeLog: LogThrottle;
}

export async function ingest(
  deps: IngestDeps,
  items: readonly unknown[],
  arrival: Arrival,
  log: FastifyBaseLogger,
  manifest?: StoredManifest,
): Promise<BatchAnswer> {
  const { store, validate, counters, observers } = deps;
  const triage = triageBatch(items, validate, arrival.keyPolicy);
  const normalize = createNormalizer(arrival);
  const rows: StoredEvent[] = [];
  let rejected = triage.rejected;
  let oversize: IndexedRejection[] | null = null;
  for (let i = 0; i < triage.valid.length; i++) {
    const row = normalize(triage.valid[i]);
    const json = JSON.stringify(row.payload);
    if (json.length > MAX_STORED_EVENT_JSON_LENGTH) {
      (oversize ??= []).push({
        messageId: row.messageId,
        code: 'too-large',
        reason: `event is ${json.length} bytes of JSON once stored; at most ${MAX_STORED_EVENT_JSON_LENGTH}`,
        index: triage.validIndex[i],
      });
      continue;
    }
    row.payloadJson = json;
    rows.push(row);
  }
  let repeated = triage.repeated;
  if (oversize) {
    // A repeat of a refused event is refused too: answered "duplicate", the client would delete
    // an event that was never stored. Each id stays in exactly one list.
    const refused = new Map(oversize.map((r) => [r.messageId, r]));
    repeated = [];
    triage.repeated.forEach((id, i) => {
      const first = refused.get(id);
      if (first) oversize!.push({ ...first, index: triage.repeatedIndex[i] });
      else repeated.push(id);
    });
    rejected = rejected.concat(oversize).sort((a, b) => a.index - b.index);
  }

  let result: InsertResult;
  try {
    result = await store.insertBatch(rows, manifest);
  } catch (err) {
    counters.storeUnavailable++;
    if (observers && observers.size > 0) {
      const failed = err instanceof StoreBusyError
        ? { code: 'store-busy', reason: err.message }
        : { code: 'store-unavailable', reason: err instanceof Error ? err.message : String(err) };
      observers.notify({
        receivedAt: arrival.receivedAt, channel: arrival.channel ?? 'browser', items, accepted: [], duplicate: [], rejected, failed,
      });
    }
    if (err instanceof StoreBusyError) {
      log.warn({ events: rows.length, reason: err.message }, 'store is behind; answering 503 so the client resends');
      throw new HttpError(503, 'store-busy', 'the collector is storing too much at once; resend shortly', {
        'retry-after': String(STORE_BUSY_RETRY_AFTER_SECONDS),
      });
    }
    log.error({ err, events: rows.length }, 'store failed; answering 503 so the client resends');
    // A hint, so thousands of clients do not come back at once onto a struggling store.
    throw new HttpError(503, 'store-unavailable', 'the events could not be stored; resend them later', {
      'retry-after': String(STORE_RETRY_AFTER_SECONDS),
    });
  }

  const duplicate = repeated.length === 0 ? result.duplicate : result.duplicate.concat(repeated);
  const flagged = triage.validFlags ? flaggedAccepted(triage, result.inserted) : undefined;
  counters.eventsAccepted += result.inserted.length;
  counters.eventsDuplicate += duplicate.length;
  counters.eventsRejected += rejected.length;
  if (flagged) counters.eventsFlagged += flagged.length;
  if (rejected.length > 0 || flagged) logOutcome(deps, arrival, rejected, flagged, log);
  if (observers && observers.size > 0) {
    observers.notify({
      receivedAt: arrival.receivedAt, channel: arrival.channel ?? 'browser', items, accepted: result.inserted, duplicate, rejected, flagged,
    });
  }
  return { accepted: result.inserted, duplicate, rejected };
}

/** The flagged events among those this request stored (a flagged resend was counted the first time). */
function flaggedAccepted(triage: BatchTriage, inserted: readonly string[]): FlaggedEvent[] | undefined {
  const stored = new Set(inserted);
  const flagged: FlaggedEvent[] = [];
  triage.validFlags!.forEach((rules, i) => {
    const event = triage.valid[i];
    if (rules && stored.has(event.messageId)) flagged.push({ messageId: event.messageId, index: triage.validIndex[i], rules });
  });
  return flagged.length > 0 ? flagged : undefined;
}

/** One line per sender, outcome and code a minute at most; senders remembered for the throttle. */
const OUTCOME_LOG_INTERVAL_MS = 60_000;
const OUTCOME_LOG_MAX_KEYS = 1_000;

export function createOutcomeLog(now: () => number): LogThrottle {
  return createLogThrottle({ now, intervalMs: OUTCOME_LOG_INTERVAL_MS, maxKeys: OUTCOME_LOG_MAX_KEYS });
}

/**
 * Rejections and flags at info, throttled per sender and code: a client that reads no receipts (no
 * Segment-compatible library does) loses a rejected event without a trace on its side, so the
 * collector's log is where an operator finds it, without a line per event in a flood.
 */
function logOutcome(deps: IngestDeps, arrival: Arrival, rejected: readonly IndexedRejection[], flagged: readonly FlaggedEvent[] | undefined, log: FastifyBaseLogger): void {
  const sender = arrival.keyId ?? arrival.ip ?? 'unknown';
  for (const r of rejected) {
    const verdict = deps.outcomeLog.take(`${sender}\nrejected\n${r.code}`);
    if (verdict.log) log.info({ sender, code: r.code, reason: r.reason, messageId: r.messageId, index: r.index, unloggedSinceLastLine: verdict.suppressed }, 'event rejected');
  }
  for (const f of flagged ?? []) {
    const rules = f.rules.join(',');
    const verdict = deps.outcomeLog.take(`${sender}\nflagged\n${rules}`);
    if (verdict.log) log.info({ sender, rules: f.rules, messageId: f.messageId, index: f.index, unloggedSinceLastLine: verdict.suppressed }, 'event stored, flagged: breaks a convention its sender is not held to');
  }
}

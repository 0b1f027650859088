/**
 * What happened to each event at ingest, for whoever listens: the quality counters the reports
 * keep, and the live view's stream. ingest.ts calls `notify` once per request, after the store
 * answered (or failed), so listeners see exactly what the receipts said.
 *
 * Listeners run synchronously on the request path: they must be cheap and must not throw (a throw
 * is caught and logged, never turned into a failed request).
 */
import type { Channel } from '../shared/event.js';
import type { NamingRule } from '../shared/schemas/naming.js';
import type { IndexedRejection } from './validate.js';

export interface IngestOutcome {
  /** Epoch ms, collector clock. */
  receivedAt: number;
  channel: Channel;
  /** The items of the request as received (objects or not), in order. */
  items: readonly unknown[];
  accepted: readonly string[];
  /** Ids answered duplicate: a resend or a copy through another channel, and in-request repeats. */
  duplicate: readonly string[];
  rejected: readonly IndexedRejection[];
  /**
   * Stored events (accepted ones only) that broke a convention their sender's policy flags instead
   * of rejecting (src/collector/event-policy.ts): Homing's naming rules or a site's schema. Each
   * rule an event broke is counted once for it. Absent or empty when none was flagged.
   */
  flagged?: readonly FlaggedEvent[];
  /** Set when the store failed: nothing of the request was stored (the client was answered 503). */
  failed?: { code: string; reason: string };
}

/** One stored event that broke a convention, and which rules (`event-name`, `property-name`, `site-schema`). */
export interface FlaggedEvent {
  messageId: string;
  /** Position in the request's items. */
  index: number;
  rules: readonly FlagRule[];
}

export type FlagRule = NamingRule | 'site-schema';

export type IngestListener = (outcome: IngestOutcome) => void;

export interface IngestObservers {
  add(listener: IngestListener): () => void;
  notify(outcome: IngestOutcome): void;
  /** Whether anyone listens: lets ingest skip building an outcome nobody reads. */
  readonly size: number;
}

export function createIngestObservers(onError: (err: unknown) => void): IngestObservers {
  const listeners = new Set<IngestListener>();
  return {
    add(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(outcome) {
      for (const listener of listeners) {
        try {
          listener(outcome);
        } catch (err) {
          onError(err);
        }
      }
    },
    get size() {
      return listeners.size;
    },
  };
}

/**
 * The IndexedDB schema of the outbox, and nothing else (the shape of workbox-background-sync's
 * QueueDb). Opened by the service worker and, when there is no service worker, by the worker.
 *
 * Migrations are additive only: each version's step creates what it introduces and never deletes
 * a store, because the outbox holds events nobody else has (workbox's `_upgradeDb` deletes its
 * store on any version bump, which would be data loss here).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { DB_NAME } from '../shared/config.js';
import type { WireEvent } from '../shared/event.js';
import type { Gate } from '../shared/protocol.js';
import type { SessionState } from './session.js';

export const DB_VERSION = 1;
export const OUTBOX = 'outbox';
export const DEAD_LETTER = 'deadletter';
export const META = 'meta';
/** Events that failed validation, with the reason; never delivered. */
export const QUARANTINE = 'quarantine';
/** multiEntry index over every messageId a segment holds. */
export const BY_ID = 'by-id';

/**
 * The outbox keeps events in segments: one row per persisted batch, not one per event. Chromium
 * commits about 13k single-event rows per second but about 100k events per second as 500-event
 * segments (measured here, strict durability), because every row is a round trip to the browser
 * process; the multiEntry index still finds any event by its id inside one transaction.
 */
export interface OutboxSegment {
  /** Auto-increment key: segments are delivered in the order they were stored. */
  key?: number;
  ids: string[];
  events: WireEvent[];
  /** JSON size of each event, so batches are cut by bytes without serialising again. */
  sizes: number[];
  /** Epoch ms when the segment was committed. */
  storedAt: number;
  /** Delivery attempts of this segment whose outcome was unknown (5xx, timeout, network error). */
  attempts: number;
  /**
   * Each event's consent gate (null: none), only on segments stored with a `consent` configuration:
   * outbox-side, never sent. Older segments have no gates: their events are ungated.
   */
  gates?: Array<Gate | null>;
}

/** An event the collector rejected (dead letter) or validation refused (quarantine), with why. */
export interface DeadLetterRow {
  messageId: string;
  event: WireEvent;
  code: string;
  reason: string;
  at: number;
}

export interface MetaValues {
  /** The last per-device sequence number handed out. */
  seq: number;
  /** Events in the outbox, kept in the same transactions that add and remove them. */
  pending: number;
  /** Their JSON size, kept the same way (the storage budget counts it). */
  bytes: number;
  /** Cumulative counts by reason since install, for the loss manifest. */
  counts: Record<string, number>;
  anonymousId: string;
  /** Set by `identify`/`alias`, cleared by `reset`. */
  userId: string | null;
  /** The device's current session; null after `reset`. */
  session: SessionState | null;
  /** Consent by purpose, as last set by the page (with the browser's DNT/GPC applied when honoured). */
  consent: Record<string, boolean> | null;
  /** messageId of the last consent call applied: an older one (a hand-off replaying it) changes nothing. */
  consentId: string;
  /** Per page (shared/call-numbers.ts `pageKey`): the call numbers taken, as ranges, and when last touched. */
  calls: Record<string, { ranges: number[]; at: number }>;
}

export interface HomingDB extends DBSchema {
  [OUTBOX]: { key: number; value: OutboxSegment; indexes: { [BY_ID]: string } };
  [DEAD_LETTER]: { key: string; value: DeadLetterRow };
  [QUARANTINE]: { key: string; value: DeadLetterRow };
  [META]: { key: keyof MetaValues; value: MetaValues[keyof MetaValues] };
}

export type HomingDatabase = IDBPDatabase<HomingDB>;

/** One step per version, applied in order from the version found on disk. */
export const MIGRATIONS: Array<(db: HomingDatabase) => void> = [
  // v0 → v1
  (db) => {
    db.createObjectStore(OUTBOX, { keyPath: 'key', autoIncrement: true }).createIndex(BY_ID, 'ids', { multiEntry: true });
    db.createObjectStore(DEAD_LETTER, { keyPath: 'messageId' });
    db.createObjectStore(QUARANTINE, { keyPath: 'messageId' });
    db.createObjectStore(META);
  },
];

/**
 * A lazy, self-healing connection: opened on first use, dropped when a newer version of the code
 * wants to upgrade (`blocking`) or the browser closes it (`terminated`), reopened on next use.
 */
export function createDbOpener(name: string = DB_NAME): () => Promise<HomingDatabase> {
  let current: Promise<HomingDatabase> | null = null;
  return () => {
    if (!current) {
      const opening: Promise<HomingDatabase> = openDB<HomingDB>(name, DB_VERSION, {
        upgrade(db, oldVersion) {
          for (let v = oldVersion; v < DB_VERSION; v++) MIGRATIONS[v](db);
        },
        blocking() {
          void opening.then((db) => db.close());
          if (current === opening) current = null;
        },
        terminated() {
          if (current === opening) current = null;
        },
      });
      current = opening;
      opening.catch(() => {
        if (current === opening) current = null;
      });
    }
    return current;
  };
}

/**
 * Messages between the collector's main thread and the SQLite worker thread (./sqlite-worker.ts,
 * ./worker-store.ts). Types only.
 */
import type { SqliteStoreOptions, InsertJob } from './sqlite.js';
import type { QualityCount } from './store.js';

export interface WorkerInit {
  path: string;
  options: SqliteStoreOptions;
}

export type WorkerRequest =
  | { id: number; op: 'insert'; job: InsertJob }
  | { id: number; op: 'erase'; userId: string }
  | { id: number; op: 'count' }
  | { id: number; op: 'get'; messageId: string }
  | { id: number; op: 'manifest'; deviceId: string }
  | { id: number; op: 'profile'; userId: string }
  | { id: number; op: 'counts'; counts: QualityCount[] }
  | { id: number; op: 'close' };

/** `id` 0 is the worker's own: ready after opening the database, or why it could not. */
export type WorkerResponse = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

/**
 * The SQLite store on a worker thread: the main thread parses, validates and normalises requests
 * while the worker commits, so ingest uses two cores instead of one. On this project's 2-core
 * machine the SQLite part was about half of the main thread's time per batch (docs/storage.md,
 * bench/collector-load.ts has the before and after).
 *
 * The contract does not change: `insertBatch` resolves only after the worker's transaction has
 * committed (the worker groups concurrent requests into one commit), so a receipt still never
 * claims more than what is durable. What crosses the thread boundary is a flat tuple per event
 * with the payload already serialised: cheap to clone, and the worker never parses JSON.
 *
 * Backpressure: past `maxQueuedEvents` events waiting for the worker, `insertBatch` refuses at once
 * with `StoreBusyError` (the route answers 503 with Retry-After) instead of queueing without bound.
 * If the worker dies, what it had not answered fails (503: the clients resend, and anything it had
 * committed is then answered "duplicate") and the next call starts a new worker.
 */
import { Worker } from 'node:worker_threads';
import type { ErasureResult, EventStore, InsertResult, QualityCount, StoredEvent, StoredManifest, StoredProfile } from './store.js';
import { toInsertResult, toManifestTuple, toRowTuple, type InsertJob, type JobResult, type SqliteStoreOptions } from './sqlite.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js';
import { COLLECTOR_DEFAULTS } from '../../shared/config.js';

/** Thrown by `insertBatch` when too much is already waiting for the worker. */
export class StoreBusyError extends Error {
  constructor(queued: number) {
    super(`${queued} events are waiting to be stored`);
    this.name = 'StoreBusyError';
  }
}

export interface WorkerStoreOptions extends SqliteStoreOptions {
  /** Events accepted for storing but not yet committed, beyond which inserts are refused. */
  maxQueuedEvents?: number;
  /** The bundled worker script; defaults to sqlite-worker.js next to this bundle. */
  workerUrl?: URL;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  events: number;
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Starts the worker and resolves once it has opened (and migrated) the database. */
export async function createSqliteWorkerStore(path: string, options: WorkerStoreOptions = {}): Promise<EventStore> {
  const { maxQueuedEvents = COLLECTOR_DEFAULTS.maxQueuedEvents, workerUrl = new URL('./sqlite-worker.js', import.meta.url), ...sqlite } = options;
  const init: WorkerInit = { path, options: sqlite };
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let queuedEvents = 0;
  let closing: Promise<void> | null = null;
  let worker: Worker | null = null;
  let ready: Promise<void> = Promise.resolve();

  function start(): void {
    const w = new Worker(workerUrl, { workerData: init });
    worker = w;
    ready = new Promise<void>((resolve, reject) => {
      const onFirst = (message: WorkerResponse) => {
        if (message.id !== 0) return;
        w.off('message', onFirst);
        if (message.ok) resolve();
        else reject(new Error(`cannot open the store at ${path}: ${message.error}`));
      };
      w.on('message', onFirst);
      w.once('exit', () => reject(new Error('the store worker exited while starting')));
    });
    ready.catch(() => {}); // also reported through the pending calls and the first await
    w.on('message', (message: WorkerResponse) => {
      if (message.id === 0) return;
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      queuedEvents -= p.events;
      if (message.ok) p.resolve(message.value);
      else p.reject(new Error(message.error));
    });
    const fail = (why: string) => {
      if (worker !== w) return;
      worker = null;
      for (const [id, p] of pending) {
        pending.delete(id);
        queuedEvents -= p.events;
        p.reject(new Error(why));
      }
    };
    w.on('error', (err) => fail(`the store worker failed: ${err.message}`));
    w.on('exit', (code) => fail(`the store worker exited (${code})`));
  }

  function call<T>(request: Distribute<WorkerRequest>, events = 0): Promise<T> {
    if (closing && request.op !== 'close') return Promise.reject(new Error('the store is closed'));
    if (!worker) start();
    const id = nextId++;
    queuedEvents += events;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, events });
      worker!.postMessage({ ...request, id });
    });
  }

  start();
  try {
    await ready;
  } catch (err) {
    await (worker as Worker | null)?.terminate();
    throw err;
  }

  return {
    async insertBatch(events: readonly StoredEvent[], manifest?: StoredManifest): Promise<InsertResult> {
      if (events.length === 0 && !manifest) return { inserted: [], duplicate: [] };
      if (queuedEvents + events.length > maxQueuedEvents && queuedEvents > 0) throw new StoreBusyError(queuedEvents);
      const job: InsertJob = { rows: events.map(toRowTuple) };
      if (manifest) job.manifest = toManifestTuple(manifest);
      const result = await call<JobResult>({ op: 'insert', job }, events.length);
      return toInsertResult(events, result);
    },
    eraseUser: (userId) => call<ErasureResult>({ op: 'erase', userId }),
    count: () => call<number>({ op: 'count' }),
    getEvent: (messageId) => call<StoredEvent | undefined>({ op: 'get', messageId }),
    getManifest: (deviceId) => call<StoredManifest | undefined>({ op: 'manifest', deviceId }),
    getProfile: (userId) => call<StoredProfile | undefined>({ op: 'profile', userId }),
    addQualityCounts: (counts: readonly QualityCount[]) => call<void>({ op: 'counts', counts: [...counts] }),
    close() {
      closing ??= (async () => {
        if (!worker) return;
        const w = worker;
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        // Queued after every call made so far: the worker answers those first, then closes.
        await call<void>({ op: 'close' }).catch(() => {});
        await exited;
      })();
      return closing;
    },
  };
}

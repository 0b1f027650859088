/**
 * The worker's fixed pipeline: enrich → batch → persist. Batching adapts to load: while one persist
 * is in flight, new calls gather, and go together in the next one; an idle worker persists a single
 * call at once. A capture's promise resolves only when its events are durable, which is the page's
 * signal to forget them (until then the page keeps them to hand over on `pagehide`).
 */
import type { WireEvent } from '../shared/event.js';
import type { Capture, PageEnvironment, WorkerStats } from '../shared/protocol.js';
import { enrich, type Identity } from './enrich.js';

/** Where durable events go: the service worker's outbox, or the worker's own when there is no SW. */
export type PersistSink = (events: WireEvent[]) => Promise<number>;

export interface Pipeline {
  capture(calls: Capture[]): Promise<number>;
  setSink(sink: PersistSink): void;
  stats(): Omit<WorkerStats, 'relinks'>;
}

export interface PipelineDeps {
  identity: Promise<Identity>;
  env: PageEnvironment;
  maxBatch: number;
  /** Wait before retrying a persist that failed (quota, IndexedDB error); doubles up to 30 s. */
  retryMs: number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  onError: (code: 'persist-failed', detail: string) => void;
}

interface Waiting {
  events: WireEvent[];
  resolve: (durable: number) => void;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const queue: Waiting[] = [];
  let sink: PersistSink | null = null;
  let busy = false;
  let failures = 0;
  const stats: Omit<WorkerStats, 'relinks'> = { received: 0, persisted: 0, pending: 0, errors: {} };

  async function pump(): Promise<void> {
    if (busy || !sink || queue.length === 0) return;
    busy = true;
    const taken: Waiting[] = [];
    let size = 0;
    while (queue.length > 0 && (taken.length === 0 || size + queue[0].events.length <= deps.maxBatch)) {
      const next = queue.shift()!;
      taken.push(next);
      size += next.events.length;
    }
    const events = taken.flatMap((w) => w.events);
    try {
      await sink(events);
      failures = 0;
      stats.persisted += events.length;
      stats.pending -= events.length;
      for (const w of taken) w.resolve(w.events.length);
      busy = false;
      void pump();
    } catch (err) {
      stats.errors['persist-failed'] = (stats.errors['persist-failed'] ?? 0) + 1;
      deps.onError('persist-failed', String(err));
      queue.unshift(...taken);
      const wait = Math.min(30_000, deps.retryMs * 2 ** failures++);
      deps.setTimeout(() => {
        busy = false;
        void pump();
      }, wait);
    }
  }

  return {
    async capture(calls) {
      stats.received += calls.length;
      stats.pending += calls.length;
      const identity = await deps.identity;
      const events = calls.map((call) => {
        // identify() names the user for every later event of this worker (not yet kept across reloads).
        if (call.type === 'identify' && call.userId) identity.userId = call.userId;
        return enrich(call, identity, deps.env);
      });
      return new Promise<number>((resolve) => {
        queue.push({ events, resolve });
        void pump();
      });
    },
    setSink(next) {
      sink = next;
      void pump();
    },
    stats: () => ({ ...stats, errors: { ...stats.errors } }),
  };
}

/**
 * The worker's fixed pipeline, in order: identity → enrich → rules (debounce, throttle) →
 * validate (quarantine) → batch → persist. Calls are processed one `capture()` at a time so their
 * order survives the awaits in between. A capture's promise resolves when each of its calls is
 * settled: durable in IndexedDB, or dropped for a counted reason. That is the page's signal to
 * forget them (until then the page keeps them, to hand over on `pagehide`).
 */
import type { WireEvent } from '../shared/event.js';
import type { Capture, EventRule, PageEnvironment, PersistItem, WorkerStats } from '../shared/protocol.js';
import { createBatcher } from './batcher.js';
import { enrich } from './enrich.js';
import type { IdentityStore } from './identity.js';
import { createRuleGate, type Verdict } from './rules.js';

/**
 * Where durable events go: the service worker's outbox, or the worker's own when there is no SW.
 * `dropped` counts what the worker dropped since the last persist, for the loss manifest.
 */
export type PersistSink = (items: PersistItem[], dropped: Record<string, number>) => Promise<number>;

export type ValidationResult = { ok: true } | { ok: false; code: string; reason: string };

export interface Pipeline {
  capture(calls: Capture[]): Promise<number>;
  /** Release held calls and hand the queue over now. */
  flush(): void;
  setSink(sink: PersistSink): void;
  stats(): Omit<WorkerStats, 'relinks'>;
}

export interface PipelineDeps {
  identity: Promise<IdentityStore>;
  env: PageEnvironment;
  validate: (event: WireEvent) => ValidationResult;
  quarantine: (event: WireEvent, code: string, reason: string) => Promise<void>;
  rules: Record<string, EventRule>;
  batch: { maxEvents: number; maxBytes: number; maxWaitMs: number; persistMax: number };
  /** Wait before retrying a persist that failed (quota, IndexedDB error); doubles up to 30 s. */
  retryMs: number;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  onError: (code: string, detail: string) => void;
}

/** The calls of one `capture()`, settled one by one. */
interface Ticket {
  remaining: number;
  durable: number;
  resolve: (durable: number) => void;
}

interface Queued {
  item: PersistItem;
  ticket: Ticket | null;
}

type EventCall = Capture & { type: WireEvent['type'] };

export function createPipeline(deps: PipelineDeps): Pipeline {
  const queue: Queued[] = [];
  let sink: PersistSink | null = null;
  let busy = false;
  let dueWhileBusy = false;
  let failures = 0;
  let chain: Promise<void> = Promise.resolve();
  /** Drops not yet reported to the outbox's counters. */
  let dropped: Record<string, number> = {};
  const drop = (reason: string) => (dropped[reason] = (dropped[reason] ?? 0) + 1);
  const stats: Omit<WorkerStats, 'relinks'> = { received: 0, persisted: 0, pending: 0, invalid: 0, debounced: 0, throttled: 0, errors: {} };

  function settle(ticket: Ticket | null, durable: boolean): void {
    if (!ticket) return;
    stats.pending--;
    if (durable) {
      ticket.durable++;
      stats.persisted++;
    }
    if (--ticket.remaining === 0) ticket.resolve(ticket.durable);
  }

  function countError(code: string, detail: string): void {
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    deps.onError(code, detail);
  }

  const batcher = createBatcher({
    maxEvents: deps.batch.maxEvents,
    maxBytes: deps.batch.maxBytes,
    maxWaitMs: deps.batch.maxWaitMs,
    setTimeout: deps.setTimeout,
    clearTimeout: deps.clearTimeout,
    due: () => {
      if (busy) dueWhileBusy = true;
      else void pump();
    },
  });

  function enqueue(item: PersistItem, ticket: Ticket | null, bytes: number): void {
    queue.push({ item, ticket });
    batcher.added(bytes);
  }

  const gate = createRuleGate<{ event: WireEvent; ticket: Ticket }>({
    rules: deps.rules,
    now: deps.now,
    setTimeout: deps.setTimeout,
    clearTimeout: deps.clearTimeout,
    pass: ({ event, ticket }) => {
      const verdict = deps.validate(event);
      if (!verdict.ok) {
        stats.invalid++;
        drop('invalid');
        countError(verdict.code, `${event.event ?? event.type}: ${verdict.reason}`);
        deps.quarantine(event, verdict.code, verdict.reason).catch((err: unknown) => countError('persist-failed', `quarantine: ${String(err)}`));
        return settle(ticket, false);
      }
      enqueue(event, ticket, JSON.stringify(event).length);
    },
    onDrop: ({ ticket }, verdict: Verdict) => {
      stats[verdict]++;
      drop(verdict);
      settle(ticket, false);
    },
  });

  async function pump(): Promise<void> {
    if (busy || !sink || queue.length === 0) return;
    busy = true;
    dueWhileBusy = false;
    const taken = queue.splice(0, deps.batch.persistMax);
    batcher.taken();
    if (queue.length > 0) dueWhileBusy = true; // more than one persist's worth was due
    const report = dropped;
    dropped = {};
    try {
      await sink(taken.map((q) => q.item), report);
      failures = 0;
      for (const q of taken) settle(q.ticket, true);
      busy = false;
      if (dueWhileBusy) void pump();
    } catch (err) {
      countError('persist-failed', String(err));
      queue.unshift(...taken);
      for (const [reason, n] of Object.entries(report)) dropped[reason] = (dropped[reason] ?? 0) + n;
      const wait = Math.min(30_000, deps.retryMs * 2 ** failures++);
      deps.setTimeout(() => {
        busy = false;
        void pump();
      }, wait);
    }
  }

  async function process(calls: Capture[], ticket: Ticket): Promise<void> {
    const identity = await deps.identity;
    await identity.refresh();
    for (const call of calls) {
      identity.apply(call);
      if (call.type === 'reset') {
        // The session ends between the events around the reset: the marker travels in order.
        gate.release();
        enqueue({ type: 'reset', ts: call.ts }, null, 0);
        settle(ticket, false);
      } else if (call.type === 'consent') {
        settle(ticket, false);
      } else {
        const event = enrich(call as EventCall, identity.current(), deps.env);
        gate.admit(call.type === 'track' ? call.event : undefined, { event, ticket });
      }
    }
  }

  return {
    capture(calls) {
      stats.received += calls.length;
      stats.pending += calls.length;
      return new Promise<number>((resolve) => {
        if (calls.length === 0) return resolve(0);
        const ticket: Ticket = { remaining: calls.length, durable: 0, resolve };
        chain = chain.then(() => process(calls, ticket)).catch((err: unknown) => countError('worker-failed', String(err)));
      });
    },
    flush() {
      gate.release();
      batcher.flushNow();
    },
    setSink(next) {
      sink = next;
      void pump();
    },
    stats: () => ({ ...stats, errors: { ...stats.errors } }),
  };
}

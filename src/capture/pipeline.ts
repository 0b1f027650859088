/**
 * The worker's fixed pipeline, in order: identity → enrich → privacy (PII and URL guards, consent
 * decision) → rules (debounce, throttle) → validate (quarantine) → batch → persist. Calls are
 * processed one `capture()` at a time so their
 * order survives the awaits in between. A capture's promise resolves when each of its calls is
 * settled: durable in IndexedDB, or dropped for a counted reason. That is the page's signal to
 * forget them (until then the page keeps them, to hand over on `pagehide`).
 */
import { DEFAULTS } from '../shared/config.js';
import { deniesAny, withdrawn } from '../shared/consent.js';
import type { ErrorCode, ErrorReporter, ValidationCode } from '../shared/errors.js';
import type { WireEvent } from '../shared/event.js';
import { addNumber, mergeRanges, pageKey } from '../shared/call-numbers.js';
import type { CallNumbers, Capture, ConsentState, EventRule, Gate, PageEnvironment, PersistItem, PrivacySignals, WorkerStats } from '../shared/protocol.js';
import { createBatcher } from './batcher.js';
import type { EventValidation } from './validate.js';
import { enrich } from './enrich.js';
import type { IdentityStore } from './identity.js';
import { consentCallUpdate } from './identity-rules.js';
import type { Privacy } from './privacy.js';
import { createRuleGate, type Verdict } from './rules.js';

/**
 * Where durable events go: the service worker's outbox, or the worker's own when there is no SW.
 * `dropped` counts what the worker dropped since the last persist, for the loss manifest; `gates`
 * are the consent gates of the events that have one, by messageId; `calls` the page's call numbers.
 */
export type PersistSink = (items: PersistItem[], dropped: Record<string, number>, gates?: Record<string, Gate>, calls?: CallNumbers) => Promise<number>;

export interface Pipeline {
  capture(calls: Capture[]): Promise<number>;
  /** Release held calls and hand the queue over now. */
  flush(): void;
  setSink(sink: PersistSink): void;
  /** The page's DNT/GPC (consent chunk); with honorDnt/honorGpc, processing waits for them. */
  signals(signals: PrivacySignals): void;
  stats(): Omit<WorkerStats, 'relinks' | 'outbox'>;
}

export interface PipelineDeps {
  identity: Promise<IdentityStore>;
  env: PageEnvironment;
  validate: (event: WireEvent) => EventValidation;
  quarantine: (event: WireEvent, code: ValidationCode, reason: string) => Promise<void>;
  rules: Record<string, EventRule>;
  batch: { maxEvents: number; maxBytes: number; maxWaitMs: number; persistMax: number };
  /** Wait before retrying a persist that failed (quota, IndexedDB error); doubles up to DEFAULTS.persistRetryMaxMs. */
  retryMs: number;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  onError: ErrorReporter;
  /** Consent, PII and URL rules; absent or null without a privacy configuration (events as before). */
  privacy?: Privacy | null;
  /** How long to wait for the page's DNT/GPC signals (DEFAULTS.consent.signalsWaitMs). */
  signalsWaitMs?: number;
}

/** The calls of one `capture()`, settled one by one. */
interface CaptureTicket {
  remaining: number;
  durable: number;
  resolve: (durable: number) => void;
}

/** One call of a `capture()`: its number on the page (call-numbers.ts), settled once into its capture. */
interface Ticket {
  n: number | undefined;
  capture: CaptureTicket;
}

interface Queued {
  item: PersistItem;
  ticket: Ticket | null;
  gate?: Gate;
}

interface Admitted {
  event: WireEvent;
  ticket: Ticket;
  gate?: Gate;
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
  /** The page's key and the numbers of calls settled without an event, not yet told to the outbox. */
  let page: string | null = null;
  let droppedCalls: number[] = [];
  const stats: Omit<WorkerStats, 'relinks' | 'outbox'> = { received: 0, persisted: 0, pending: 0, invalid: 0, debounced: 0, throttled: 0, consent: 0, errors: {} };
  const privacy = deps.privacy ?? null;
  /** Set once the identity store is loaded (the rule gate's `pass` is synchronous). */
  let identityNow: IdentityStore | null = null;
  /** A persist with no events, so the outbox hears of a consent change and delivers at once. */
  let nudge = false;
  const signals = waitForSignals();

  function settle(ticket: Ticket | null, durable: boolean): void {
    if (!ticket) return;
    stats.pending--;
    const capture = ticket.capture;
    if (durable) {
      capture.durable++;
      stats.persisted++;
    } else if (ticket.n !== undefined) {
      // Settled without an event: the outbox hears it with the next persist, so a hand-off of the
      // page's tail does not store what the rules dropped.
      droppedCalls = addNumber(droppedCalls, ticket.n);
    }
    if (--capture.remaining === 0) capture.resolve(capture.durable);
  }

  function countError(code: ErrorCode, detail: string): void {
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

  function enqueue(item: PersistItem, ticket: Ticket | null, bytes: number, gate?: Gate): void {
    queue.push(gate ? { item, ticket, gate } : { item, ticket });
    batcher.added(bytes);
  }

  /** Dropped for want of consent: counted, and settled so the page forgets it. */
  function refuse(ticket: Ticket | null): void {
    stats.consent++;
    drop('consent');
    settle(ticket, false);
  }

  const ruleGate = createRuleGate<Admitted>({
    rules: deps.rules,
    now: deps.now,
    setTimeout: deps.setTimeout,
    clearTimeout: deps.clearTimeout,
    pass: ({ event, ticket, gate }) => {
      // A debounced event may have waited through a withdrawal.
      if (gate && deniesAny(identityNow?.current().consent, gate.needs)) return refuse(ticket);
      const verdict = deps.validate(event);
      if (!verdict.ok) {
        stats.invalid++;
        drop('invalid');
        countError(verdict.code, `${event.event ?? event.type}: ${verdict.reason}`);
        deps.quarantine(event, verdict.code, verdict.reason).catch((err: unknown) => countError('persist-failed', `quarantine: ${String(err)}`));
        return settle(ticket, false);
      }
      enqueue(event, ticket, JSON.stringify(event).length, gate);
    },
    onDrop: ({ ticket }, verdict: Verdict) => {
      stats[verdict]++;
      drop(verdict);
      settle(ticket, false);
    },
  });

  async function pump(): Promise<void> {
    if (busy || !sink || (queue.length === 0 && !nudge)) return;
    busy = true;
    dueWhileBusy = false;
    nudge = false;
    const taken = queue.splice(0, deps.batch.persistMax);
    batcher.taken();
    if (queue.length > 0) dueWhileBusy = true; // more than one persist's worth was due
    const report = dropped;
    dropped = {};
    const settledCalls = droppedCalls;
    droppedCalls = [];
    let gates: Record<string, Gate> | undefined;
    for (const q of taken) if (q.gate) (gates ??= {})[(q.item as WireEvent).messageId] = q.gate;
    let calls: CallNumbers | undefined;
    if (page !== null) {
      calls = { page, numbers: {} };
      for (const q of taken) if (q.ticket?.n !== undefined) calls.numbers[(q.item as WireEvent).messageId] = q.ticket.n;
      if (settledCalls.length > 0) calls.settled = settledCalls;
    }
    try {
      await sink(taken.map((q) => q.item), report, gates, calls);
      failures = 0;
      for (const q of taken) settle(q.ticket, true);
      busy = false;
      if (dueWhileBusy) void pump();
    } catch (err) {
      countError('persist-failed', String(err));
      queue.unshift(...taken);
      for (const [reason, n] of Object.entries(report)) dropped[reason] = (dropped[reason] ?? 0) + n;
      droppedCalls = mergeRanges(droppedCalls, settledCalls);
      const wait = Math.min(DEFAULTS.persistRetryMaxMs, deps.retryMs * 2 ** failures++);
      deps.setTimeout(() => {
        busy = false;
        void pump();
      }, wait);
    }
  }

  /**
   * With `honorDnt`/`honorGpc`, nothing is processed before the page's signals are in (an event
   * sent anonymously before DNT is known would be one too many), or `signalsWaitMs` has passed.
   */
  function waitForSignals(): { ready: Promise<void>; release: () => void; released: () => boolean } {
    if (!privacy || privacy.signalsKnown()) return { ready: Promise.resolve(), release: () => {}, released: () => true };
    let done = false;
    let resolve = () => {};
    const ready = new Promise<void>((r) => (resolve = r));
    const release = () => {
      done = true;
      resolve();
    };
    deps.setTimeout(() => {
      if (done) return;
      countError('consent-unavailable', 'no DNT/GPC signals from the page in time; consent grants wait for them');
      release();
    }, deps.signalsWaitMs ?? DEFAULTS.consent.signalsWaitMs);
    return { ready, release, released: () => done };
  }

  /**
   * Applies a consent update and purges what it withdrew from memory (the outbox's share is purged
   * in the same transaction as the change; events on their way to the SW are refused there).
   */
  async function changeConsent(identity: IdentityStore, update: ConsentState, id: string | undefined, at: number): Promise<void> {
    if (Object.keys(update).length === 0) return;
    const change = await identity.changeConsent(update, { id, at, enforce: true });
    stats.consent += change.purged;
    if (change.withdrawn.length > 0) purgeQueue(change.withdrawn);
    nudge = true;
    batcher.flushNow();
  }

  function purgeQueue(gone: string[]): void {
    for (let i = queue.length - 1; i >= 0; i--) {
      const q = queue[i];
      if (!q.gate || !q.gate.needs.some((purpose) => gone.includes(purpose))) continue;
      queue.splice(i, 1);
      refuse(q.ticket);
    }
  }

  async function process(calls: Capture[], capture: CaptureTicket): Promise<void> {
    const identity = await deps.identity;
    identityNow = identity;
    await signals.ready;
    const before = identity.current().consent;
    await identity.refresh();
    // Another tab withdrew consent: what this worker holds under it goes too.
    const elsewhere = withdrawn(before, identity.current().consent ?? {});
    if (elsewhere.length > 0) purgeQueue(elsewhere);
    for (const call of calls) {
      const ticket: Ticket = { n: call.n, capture };
      if (call.n !== undefined) page ??= pageKey(call.messageId, call.n);
      if (call.type === 'consent') {
        const asked = consentCallUpdate(call, privacy);
        if (asked?.enforce) await changeConsent(identity, asked.update, call.messageId, call.ts);
        else if (asked) await identity.changeConsent(asked.update, { id: call.messageId, at: call.ts, enforce: false });
        settle(ticket, false);
        continue;
      }
      identity.apply(call);
      if (call.type === 'reset') {
        // The session ends between the events around the reset: the marker travels in order.
        ruleGate.release();
        enqueue({ type: 'reset', ts: call.ts }, null, 0);
        settle(ticket, false);
        continue;
      }
      const event = enrich(call as EventCall, identity.current(), deps.env);
      const name = call.type === 'track' ? call.event : undefined;
      if (!privacy) {
        ruleGate.admit(name, { event, ticket });
        continue;
      }
      const prepared = privacy.prepare(event, identity.current().consent, call.ts);
      const decision = 'then' in prepared ? await prepared : prepared;
      if (decision.kind === 'drop') refuse(ticket);
      else ruleGate.admit(name, decision.gate ? { event, ticket, gate: decision.gate } : { event, ticket });
    }
  }

  return {
    capture(calls) {
      stats.received += calls.length;
      stats.pending += calls.length;
      return new Promise<number>((resolve) => {
        if (calls.length === 0) return resolve(0);
        const capture: CaptureTicket = { remaining: calls.length, durable: 0, resolve };
        chain = chain.then(() => process(calls, capture)).catch((err: unknown) => countError('worker-failed', String(err)));
      });
    },
    flush() {
      ruleGate.release();
      batcher.flushNow();
    },
    setSink(next) {
      sink = next;
      void pump();
    },
    signals(next) {
      if (!privacy || privacy.signalsKnown()) {
        privacy?.setSignals(next);
        return;
      }
      const late = signals.released();
      const denied = privacy.setSignals(next);
      const apply = async () => {
        if (!privacy.consent || denied.length === 0) return;
        const identity = await deps.identity;
        await changeConsent(identity, Object.fromEntries(denied.map((purpose) => [purpose, false])), undefined, deps.now());
      };
      const failed = (err: unknown) => countError('persist-failed', `consent signals: ${String(err)}`);
      // In time, before any capture is processed (the chain waits on `signals.ready`); late, in
      // order with the calls being processed.
      if (late) chain = chain.then(apply).catch(failed);
      else apply().catch(failed).finally(signals.release);
    },
    stats: () => ({ ...stats, errors: { ...stats.errors } }),
  };
}

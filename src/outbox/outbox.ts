/**
 * The durable queue of events waiting for the collector, stored as segments (see outbox-db.ts).
 *
 * Appending is idempotent by messageId (a resend after a lost ack stores nothing twice) and hands
 * out the per-device sequence number in the same transaction that stores the event, so numbers are
 * gap-free across tabs and contexts: a gap the collector sees is an event lost after it was
 * committed, never a numbering accident.
 */
import { deliverable, deniesAny, grantsAll } from '../shared/consent.js';
import type { RejectedReceipt, WireEvent } from '../shared/event.js';
import type { CallNumbers, ConsentState, Gate, PersistItem } from '../shared/protocol.js';
import { hasNumber, mergeRanges } from '../shared/call-numbers.js';
import { advanceSession, type SessionRules, type SessionState } from './session.js';
import type { IDBPIndex } from 'idb';
import { BY_ID, DEAD_LETTER, META, OUTBOX, type HomingDatabase, type HomingDB, type MetaValues, type OutboxSegment } from './outbox-db.js';

/** One event as `peek` hands it to the deliverer. */
export interface OutboxRow {
  messageId: string;
  event: WireEvent;
  /** Size of the event's JSON. */
  bytes: number;
  /** The segment holding it, so settling touches one row per segment, not one per event. */
  segment: number;
  attempts: number;
  /** Captured before a consent decision under the `anonymous` policy (sent without the loss manifest). */
  anonymous?: boolean;
}

export interface Outbox {
  /**
   * Commits the events, in order, with their device sequence number and session; a reset marker
   * ends the session. Resolves with how many events were new once the transaction is durable.
   * `counts` (what the worker dropped meanwhile) join the loss manifest's counters. `gates` (by
   * messageId) are kept beside their events; an event whose gate the device's consent denies now
   * is not stored but counted as `consent` (it was in flight while the consent was withdrawn).
   * `calls` name each event's call on its page: a call the outbox took before (from the worker or
   * a page's hand-off, even if delivered and deleted since) is not stored again (call-numbers.ts).
   */
  append(items: PersistItem[], counts?: Record<string, number>, gates?: Record<string, Gate>, calls?: CallNumbers): Promise<number>;
  /**
   * Oldest first, at most `maxEvents` and about `maxBytes` of JSON (always at least one event), of
   * the events the device's consent lets leave now, read in the same transaction. Held events are
   * skipped, not waited for: they never block the ones behind them. One batch is either all
   * anonymous events or none, so a cookieless event never travels with an identified one.
   */
  peek(maxEvents: number, maxBytes: number): Promise<OutboxRow[]>;
  /** Whether a peek since the last call skipped an event held past its buffer time (then sweep them). */
  expiredHoldsSeen(): boolean;
  /**
   * Removes the settled events among `rows` (`done`: accepted or duplicate) and moves rejected ones
   * to the dead-letter store with the collector's reason. Others stay. `counts` are added to the
   * loss manifest's counters in the same transaction.
   */
  settle(rows: OutboxRow[], done: string[], rejected: RejectedReceipt[], now: number, counts?: Record<string, number>): Promise<void>;
  /** Counts one more unknown outcome for the segments these rows came from. */
  markAttempt(rows: OutboxRow[]): Promise<void>;
  /** Events waiting. */
  count(): Promise<number>;
  /** Events waiting and their JSON size. */
  usage(): Promise<{ events: number; bytes: number }>;
  /** Cumulative counters by reason and the last sequence number, for the loss manifest. */
  counters(): Promise<{ counts: Record<string, number>; lastSeq: number }>;
  deadLetterCount(): Promise<number>;
}

export interface OutboxDeps {
  getDb: () => Promise<HomingDatabase>;
  now: () => number;
  /** Makes session ids. */
  newId: () => string;
  session: SessionRules;
}

/** Segment keys read at a time by `peek`: a batch usually ends within the first few segments. */
const PEEK_KEYS_PER_READ = 8;
/**
 * Pages whose taken call numbers are kept: the most recent ones, none untouched for a day. A page
 * hands its tail over when it leaves, so only pages alive now matter; a day covers a hidden tab.
 */
const CALL_PAGES_KEPT = 64;
const CALL_PAGES_MAX_AGE_MS = 24 * 60 * 60_000;

export function createOutbox({ getDb, now, newId, session: rules }: OutboxDeps): Outbox {
  let expiredSeen = false;
  return {
    async append(items, counts, gates, calls) {
      const events = items.filter((item): item is WireEvent => item.type !== 'reset');
      if (items.length === 0 && Object.keys(counts ?? {}).length === 0 && !calls?.settled?.length) return 0;
      const db = await getDb();
      // Strict durability: the ack that follows is a promise that the event survives a crash.
      const tx = db.transaction([OUTBOX, META], 'readwrite', { durability: 'strict' });
      const meta = tx.objectStore(META);
      const [lastSeq, pending, bytes, totals, lastSession, consent, existing, pages] = await Promise.all([
        meta.get('seq') as Promise<number | undefined>,
        meta.get('pending') as Promise<number | undefined>,
        meta.get('bytes') as Promise<number | undefined>,
        meta.get('counts') as Promise<Record<string, number> | undefined>,
        meta.get('session') as Promise<SessionState | null | undefined>,
        meta.get('consent') as Promise<ConsentState | null | undefined>,
        events.length > 0 ? storedIdsAmong(tx.objectStore(OUTBOX).index(BY_ID), events) : new Set<string>(),
        calls ? (meta.get('calls') as Promise<MetaValues['calls'] | undefined>) : undefined,
      ]);
      let taken = calls ? (pages?.[calls.page]?.ranges ?? []) : [];
      if (calls) {
        for (const event of events) {
          const n = calls.numbers[event.messageId];
          if (n !== undefined && hasNumber(taken, n)) existing.add(event.messageId);
        }
      }
      let seq = lastSeq ?? 0;
      let session = lastSession ?? null;
      let refused = 0;
      const segment: OutboxSegment = { ids: [], events: [], sizes: [], storedAt: now(), attempts: 0 };
      const segmentGates: Array<Gate | null> = [];
      for (const item of items) {
        if (item.type === 'reset') {
          session = null;
          continue;
        }
        const event = item;
        if (existing.has(event.messageId)) continue;
        let gate = gates?.[event.messageId] ?? null;
        if (gate && (deniesAny(consent, gate.needs) || (gate.until !== undefined && gate.until < now() && !grantsAll(consent, gate.needs)))) {
          refused++;
          continue;
        }
        // Granted meanwhile: no longer held, so no buffer time applies.
        if (gate?.until !== undefined && grantsAll(consent, gate.needs)) gate = withoutUntil(gate);
        existing.add(event.messageId);
        if (!gate?.anonymous) {
          // Anonymous events carry no device sequence number and no session: both are stored identifiers.
          seq++;
          session = advanceSession(session, Date.parse(event.timestamp), event.context.campaign, rules, newId);
          event.context.homing = { ...event.context.homing, seq, sessionId: session.id, sessionSeq: session.seq };
          if (session.firstTouch) event.context.homing.firstTouch = session.firstTouch;
          if (session.lastTouch) event.context.campaign = session.lastTouch;
        }
        segment.ids.push(event.messageId);
        segment.events.push(event);
        segment.sizes.push(JSON.stringify(event).length);
        segmentGates.push(gate);
      }
      const stored = segment.ids.length;
      if (segmentGates.some(Boolean)) segment.gates = segmentGates;
      if (stored > 0) {
        void tx.objectStore(OUTBOX).add(segment);
        void meta.put(seq, 'seq');
        void meta.put((pending ?? 0) + stored, 'pending');
        void meta.put((bytes ?? 0) + segment.sizes.reduce((a, b) => a + b, 0), 'bytes');
      }
      if (stored > 0 || refused > 0 || counts) void meta.put(addCounts(totals, { ...counts, stored, consent: (counts?.consent ?? 0) + refused }), 'counts');
      if (session !== (lastSession ?? null)) void meta.put(session, 'session');
      if (calls) {
        // Every number named here is taken now: stored, already there, or refused for consent.
        const named = Object.values(calls.numbers).flatMap((n) => [n, n + 1]);
        taken = mergeRanges(mergeRanges(taken, named), calls.settled ?? []);
        void meta.put(keepRecentPages({ ...pages, [calls.page]: { ranges: taken, at: now() } }, now()), 'calls');
      }
      await tx.done;
      return stored;
    },

    async peek(maxEvents, maxBytes) {
      const db = await getDb();
      const rows: OutboxRow[] = [];
      let bytes = 0;
      const at = now();
      const tx = db.transaction([OUTBOX, META]);
      const consent = (await tx.objectStore(META).get('consent')) as ConsentState | null | undefined;
      let anonymousBatch: boolean | undefined;
      const store = tx.objectStore(OUTBOX);
      // Keys first, then only the segments this batch reads, one `get` each. A cursor would do the
      // same work in Chromium, but Firefox's cursor reads extra records ahead on every step, and
      // segments hold hundreds of events: with 50,000 events waiting each batch read most of the
      // outbox, and a drain took 69 s against 17 s without the read-ahead (docs/browser-facts.md).
      let after: IDBKeyRange | undefined;
      outer: for (;;) {
        const keys = await store.getAllKeys(after, PEEK_KEYS_PER_READ);
        if (keys.length === 0) break;
        after = IDBKeyRange.lowerBound(keys[keys.length - 1], true);
        for (const key of keys) {
          const segment = await store.get(key);
          if (!segment) continue;
          for (let i = 0; i < segment.events.length; i++) {
            const gate = segment.gates?.[i];
            if (gate && !deliverable(gate, consent, at)) {
              if (gate.until !== undefined && gate.until < at) expiredSeen = true;
              continue;
            }
            const anonymous = !!gate?.anonymous;
            anonymousBatch ??= anonymous;
            if (anonymous !== anonymousBatch) continue;
            if (rows.length >= maxEvents || (rows.length > 0 && bytes + segment.sizes[i] > maxBytes)) break outer;
            const row: OutboxRow = {
              messageId: segment.ids[i],
              event: segment.events[i],
              bytes: segment.sizes[i],
              segment: segment.key!,
              attempts: segment.attempts,
            };
            if (anonymous) row.anonymous = true;
            rows.push(row);
            bytes += segment.sizes[i];
          }
        }
      }
      return rows;
    },

    expiredHoldsSeen() {
      const seen = expiredSeen;
      expiredSeen = false;
      return seen;
    },

    async settle(rows, done, rejected, at, counts) {
      if (done.length === 0 && rejected.length === 0) return;
      const reasons = new Map(rejected.map((r) => [r.messageId, r]));
      const remove = new Set(done);
      for (const r of rejected) remove.add(r.messageId);
      const db = await getDb();
      // Relaxed is enough: if a removal is lost in a crash the event is resent and the collector
      // answers "duplicate".
      const tx = db.transaction([OUTBOX, DEAD_LETTER, META], 'readwrite', { durability: 'relaxed' });
      const store = tx.objectStore(OUTBOX);
      const keys = [...new Set(rows.map((r) => r.segment))];
      const meta = tx.objectStore(META);
      const [segments, pending, bytes, totals] = await Promise.all([
        Promise.all(keys.map((k) => store.get(k))),
        meta.get('pending') as Promise<number | undefined>,
        meta.get('bytes') as Promise<number | undefined>,
        meta.get('counts') as Promise<Record<string, number> | undefined>,
      ]);
      let removed = 0;
      let removedBytes = 0;
      for (const segment of segments) {
        if (!segment) continue; // settled meanwhile by another deliverer
        const keep = emptyLike(segment);
        segment.ids.forEach((id, i) => {
          if (!remove.has(id)) {
            keepEvent(keep, segment, i);
            return;
          }
          removed++;
          removedBytes += segment.sizes[i];
          const rejection = reasons.get(id);
          if (rejection) {
            void tx.objectStore(DEAD_LETTER).put({ messageId: id, event: segment.events[i], code: rejection.code, reason: rejection.reason, at });
          }
        });
        if (keep.ids.length === 0) void store.delete(segment.key!);
        else if (keep.ids.length !== segment.ids.length) void store.put(keep);
      }
      void meta.put(Math.max(0, (pending ?? 0) - removed), 'pending');
      void meta.put(Math.max(0, (bytes ?? 0) - removedBytes), 'bytes');
      // Only what this call removed counts: a row another deliverer settled first was counted there.
      if (counts && removed > 0) void meta.put(addCounts(totals, counts), 'counts');
      await tx.done;
    },

    async markAttempt(rows) {
      const db = await getDb();
      const tx = db.transaction(OUTBOX, 'readwrite', { durability: 'relaxed' });
      const keys = [...new Set(rows.map((r) => r.segment))];
      const segments = await Promise.all(keys.map((k) => tx.store.get(k)));
      for (const segment of segments) if (segment) void tx.store.put({ ...segment, attempts: segment.attempts + 1 });
      await tx.done;
    },

    async count() {
      return ((await (await getDb()).get(META, 'pending')) as number | undefined) ?? 0;
    },

    async usage() {
      const db = await getDb();
      const [events, bytes] = await Promise.all([db.get(META, 'pending'), db.get(META, 'bytes')]);
      return { events: (events as number | undefined) ?? 0, bytes: (bytes as number | undefined) ?? 0 };
    },

    async counters() {
      const db = await getDb();
      const [counts, lastSeq] = await Promise.all([db.get(META, 'counts'), db.get(META, 'seq')]);
      return { counts: { ...(counts as Record<string, number> | undefined) }, lastSeq: (lastSeq as number | undefined) ?? 0 };
    },

    async deadLetterCount() {
      return (await getDb()).count(DEAD_LETTER);
    },
  };
}

/** A segment with the same key and history and no events yet (see keepEvent). */
export function emptyLike(segment: OutboxSegment): OutboxSegment {
  const copy: OutboxSegment = { ...segment, ids: [], events: [], sizes: [] };
  if (segment.gates) copy.gates = [];
  return copy;
}

/** Copies event `i` of `from` into `to`, keeping ids, events, sizes and gates parallel. */
export function keepEvent(to: OutboxSegment, from: OutboxSegment, i: number, gate: Gate | null = from.gates?.[i] ?? null): void {
  if (gate && !to.gates) to.gates = to.ids.map(() => null);
  to.ids.push(from.ids[i]);
  to.events.push(from.events[i]);
  to.sizes.push(from.sizes[i]);
  to.gates?.push(gate);
}

/** The gate of an event no longer held: the same purposes, no buffer time. */
export function withoutUntil(gate: Gate): Gate {
  const { until: _until, ...rest } = gate;
  return rest;
}

/** Adds counters; missing ones start at zero. */
export function addCounts(totals: Record<string, number> | undefined, deltas: Record<string, number | undefined>): Record<string, number> {
  const next = { ...totals };
  for (const [key, value] of Object.entries(deltas)) if (value) next[key] = (next[key] ?? 0) + value;
  return next;
}

function keepRecentPages(pages: MetaValues['calls'], now: number): MetaValues['calls'] {
  const recent = Object.entries(pages)
    .filter(([, page]) => now - page.at < CALL_PAGES_MAX_AGE_MS)
    .sort((a, b) => b[1].at - a[1].at)
    .slice(0, CALL_PAGES_KEPT);
  return Object.fromEntries(recent);
}

/**
 * Which of these events are already in the outbox. One key cursor over the id range of the batch
 * instead of a request per event: ids are UUIDv7s, ordered by capture time, so the range of a fresh
 * batch holds few or no stored keys.
 */
async function storedIdsAmong(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any transaction holding OUTBOX
  index: IDBPIndex<HomingDB, any, typeof OUTBOX, typeof BY_ID, 'readwrite'>,
  events: WireEvent[],
): Promise<Set<string>> {
  let lo = events[0].messageId;
  let hi = lo;
  for (const e of events) {
    if (e.messageId < lo) lo = e.messageId;
    if (e.messageId > hi) hi = e.messageId;
  }
  const found = new Set<string>();
  let cursor = await index.openKeyCursor(IDBKeyRange.bound(lo, hi));
  while (cursor) {
    found.add(cursor.key);
    cursor = await cursor.continue();
  }
  return found;
}

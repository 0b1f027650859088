/**
 * The outbox's two explicit exits, each counted for the loss manifest: events older than the
 * retention time (`expired`), and events evicted to stay within the storage budget (`evicted`):
 * low priority first (page and screen views, scroll depth), then normal, oldest first within each;
 * events a site marked critical (a purchase) are never evicted.
 */
import type { IDBPObjectStore } from 'idb';
import type { Priority, WireEvent } from '../shared/event.js';
import type { Gate } from '../shared/protocol.js';
import { META, OUTBOX, type HomingDatabase, type HomingDB } from './outbox-db.js';
import { addCounts, emptyLike, keepEvent } from './outbox.js';

export interface Budget {
  maxEvents: number;
  maxBytes: number;
}

export interface Upkeep {
  /** Drops events captured before `before` (epoch ms); resolves with how many. */
  expire(before: number): Promise<number>;
  /** Evicts until the outbox fits `budget`; resolves with how many were evicted. */
  enforce(budget: Budget): Promise<number>;
  /** Drops events held for a consent decision past their buffer time (counted as `consent`). */
  expireHolds(now: number): Promise<number>;
}

/** Page and screen views and scroll depth are the cheapest to lose; a site can say otherwise per event name. */
export function priorityRule(overrides: Record<string, Priority> = {}): (event: WireEvent) => Priority {
  return (event) => {
    const name = event.type === 'track' ? event.event ?? '' : event.type;
    if (overrides[name]) return overrides[name];
    if (name === 'page' || name === 'screen' || name === 'scroll_depth' || name === 'page_engaged') return 'low';
    return 'normal';
  };
}

/** What a walk does with one event: keep it, drop it, keep it under a new gate, or keep it and stop. */
export type Visit = 'keep' | 'drop' | 'stop' | { gate: Gate | null };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OUTBOX store of any readwrite transaction
export type OutboxStore = IDBPObjectStore<HomingDB, any, typeof OUTBOX, 'readwrite'>;

/**
 * Walks the outbox oldest segment first, inside the caller's transaction, and rewrites each segment
 * as `visit` says (ids, events, sizes and gates stay parallel). After a 'stop' the rest of that
 * segment is kept and the walk ends. Resolves with how many events, and bytes of JSON, were dropped.
 */
export async function rewriteSegments(
  store: OutboxStore,
  visit: (event: WireEvent, size: number, gate: Gate | null) => Visit,
): Promise<{ removed: number; bytes: number }> {
  let removed = 0;
  let bytes = 0;
  let cursor = await store.openCursor();
  while (cursor) {
    const segment = cursor.value;
    const keep = emptyLike(segment);
    let stop = false;
    let changed = false;
    for (let i = 0; i < segment.ids.length; i++) {
      const gate = segment.gates?.[i] ?? null;
      const verdict = stop ? 'keep' : visit(segment.events[i], segment.sizes[i], gate);
      if (verdict === 'stop') stop = true;
      if (verdict === 'drop') {
        removed++;
        bytes += segment.sizes[i];
        changed = true;
      } else if (typeof verdict === 'object') {
        keepEvent(keep, segment, i, verdict.gate);
        changed = true;
      } else {
        keepEvent(keep, segment, i, gate);
      }
    }
    if (keep.ids.length === 0) void cursor.delete();
    else if (changed) void cursor.update(keep);
    if (stop) break;
    cursor = await cursor.continue();
  }
  return { removed, bytes };
}

/**
 * Removes the events `drop` picks, oldest segment first, and keeps the meta counters right, all in
 * one transaction. `drop` may stop the walk by returning 'stop'.
 */
async function removeWhere(
  getDb: () => Promise<HomingDatabase>,
  reason: string,
  drop: (event: WireEvent, size: number, gate: Gate | null) => boolean | 'stop',
): Promise<number> {
  const db = await getDb();
  const tx = db.transaction([OUTBOX, META], 'readwrite', { durability: 'relaxed' });
  const { removed, bytes } = await rewriteSegments(tx.objectStore(OUTBOX), (event, size, gate) => {
    const verdict = drop(event, size, gate);
    return verdict === 'stop' ? 'stop' : verdict ? 'drop' : 'keep';
  });
  if (removed > 0) await subtract(tx.objectStore(META), removed, bytes, reason);
  await tx.done;
  return removed;
}

/** Takes dropped events off the meta counters and counts them under `reason`. */
export async function subtract(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the META store of any readwrite transaction
  meta: IDBPObjectStore<HomingDB, any, typeof META, 'readwrite'>,
  removed: number,
  bytes: number,
  reason: string,
): Promise<void> {
  const [pending, size, counts] = await Promise.all([meta.get('pending'), meta.get('bytes'), meta.get('counts')]);
  void meta.put(Math.max(0, ((pending as number | undefined) ?? 0) - removed), 'pending');
  void meta.put(Math.max(0, ((size as number | undefined) ?? 0) - bytes), 'bytes');
  void meta.put(addCounts(counts as Record<string, number> | undefined, { [reason]: removed }), 'counts');
}

export function createUpkeep(getDb: () => Promise<HomingDatabase>, priorityOf: (event: WireEvent) => Priority): Upkeep {
  return {
    expire(before) {
      // By capture time, not storing time: a segment stored today can hold a call a page kept
      // for days. So the whole outbox is read; callers run this rarely (delivery-stack.ts).
      return removeWhere(getDb, 'expired', (event) => Date.parse(event.timestamp) < before);
    },

    async enforce(budget) {
      const db = await getDb();
      const [pending, bytes] = await Promise.all([db.get(META, 'pending'), db.get(META, 'bytes')]);
      let events = (pending as number | undefined) ?? 0;
      let size = (bytes as number | undefined) ?? 0;
      let evicted = 0;
      for (const level of ['low', 'normal'] as const) {
        if (events <= budget.maxEvents && size <= budget.maxBytes) break;
        evicted += await removeWhere(getDb, 'evicted', (event, eventSize) => {
          if (events <= budget.maxEvents && size <= budget.maxBytes) return 'stop';
          if (priorityOf(event) !== level) return false;
          events--;
          size -= eventSize;
          return true;
        });
      }
      return evicted;
    },

    expireHolds(now) {
      return removeWhere(getDb, 'consent', (_event, _size, gate) => gate?.until !== undefined && gate.until < now);
    },
  };
}

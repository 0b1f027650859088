/**
 * The outbox's two explicit exits, each counted for the loss manifest: events older than the
 * retention time (`expired`), and events evicted to stay within the storage budget (`evicted`):
 * low priority first (page views, scroll depth), then normal, oldest first within each; events a
 * site marked critical (a purchase) are never evicted.
 */
import type { WireEvent } from '../shared/event.js';
import { META, OUTBOX, type HomingDatabase, type OutboxSegment } from './outbox-db.js';
import { addCounts } from './outbox.js';

export type Priority = 'low' | 'normal' | 'critical';

export interface Budget {
  maxEvents: number;
  maxBytes: number;
}

export interface Upkeep {
  /** Drops events captured before `before` (epoch ms); resolves with how many. */
  expire(before: number): Promise<number>;
  /** Evicts until the outbox fits `budget`; resolves with how many were evicted. */
  enforce(budget: Budget): Promise<number>;
}

/** Page views and scroll depth are the cheapest to lose; a site can say otherwise per event name. */
export function priorityRule(overrides: Record<string, Priority> = {}): (event: WireEvent) => Priority {
  return (event) => {
    const name = event.type === 'track' ? event.event ?? '' : event.type;
    if (overrides[name]) return overrides[name];
    if (name === 'page' || name === 'scroll_depth' || name === 'page_engaged') return 'low';
    return 'normal';
  };
}

/**
 * Removes the events `drop` picks, oldest segment first, and keeps the meta counters right, all in
 * one transaction. `drop` may stop the walk by returning 'stop'.
 */
async function removeWhere(
  getDb: () => Promise<HomingDatabase>,
  reason: string,
  drop: (event: WireEvent, size: number) => boolean | 'stop',
): Promise<number> {
  const db = await getDb();
  const tx = db.transaction([OUTBOX, META], 'readwrite', { durability: 'relaxed' });
  const meta = tx.objectStore(META);
  let removed = 0;
  let removedBytes = 0;
  let cursor = await tx.objectStore(OUTBOX).openCursor();
  walk: while (cursor) {
    const segment = cursor.value;
    const keep: OutboxSegment = { ...segment, ids: [], events: [], sizes: [] };
    let stop = false;
    for (let i = 0; i < segment.ids.length; i++) {
      const verdict = stop ? false : drop(segment.events[i], segment.sizes[i]);
      if (verdict === 'stop') stop = true;
      if (verdict === true) {
        removed++;
        removedBytes += segment.sizes[i];
      } else {
        keep.ids.push(segment.ids[i]);
        keep.events.push(segment.events[i]);
        keep.sizes.push(segment.sizes[i]);
      }
    }
    if (keep.ids.length === 0) void cursor.delete();
    else if (keep.ids.length !== segment.ids.length) void cursor.update(keep);
    if (stop) break walk;
    cursor = await cursor.continue();
  }
  if (removed > 0) {
    const [pending, bytes, counts] = await Promise.all([meta.get('pending'), meta.get('bytes'), meta.get('counts')]);
    void meta.put(Math.max(0, ((pending as number | undefined) ?? 0) - removed), 'pending');
    void meta.put(Math.max(0, ((bytes as number | undefined) ?? 0) - removedBytes), 'bytes');
    void meta.put(addCounts(counts as Record<string, number> | undefined, { [reason]: removed }), 'counts');
  }
  await tx.done;
  return removed;
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
  };
}

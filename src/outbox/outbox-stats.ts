/**
 * The outbox as `stats()` reports it: what waits, and what the collector's receipts said, since
 * this browser installed Homing. Read by the worker straight from IndexedDB (the service worker
 * writes these counters in the same transactions that add and settle events, so they are exact),
 * so `stats()` needs no round trip to a service worker that may be stopped.
 */
import type { OutboxStats } from '../shared/protocol.js';
import { DEAD_LETTER, META, type HomingDatabase } from './outbox-db.js';

export async function readOutboxStats(getDb: () => Promise<HomingDatabase>): Promise<OutboxStats> {
  const db = await getDb();
  const [pending, bytes, counts, deadLetter] = await Promise.all([
    db.get(META, 'pending') as Promise<number | undefined>,
    db.get(META, 'bytes') as Promise<number | undefined>,
    db.get(META, 'counts') as Promise<Record<string, number> | undefined>,
    db.count(DEAD_LETTER),
  ]);
  const c = counts ?? {};
  return {
    pending: pending ?? 0,
    bytes: bytes ?? 0,
    stored: c.stored ?? 0,
    delivered: c.delivered ?? 0,
    duplicate: c.duplicate ?? 0,
    rejected: c.rejected ?? 0,
    evicted: c.evicted ?? 0,
    expired: c.expired ?? 0,
    deadLetter,
  };
}

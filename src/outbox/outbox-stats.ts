/**
 * The outbox as `stats()` reports it: what waits, and what the collector's receipts said, since
 * this browser installed Homing. Read by the worker straight from IndexedDB (the service worker
 * writes these counters in the same transactions that add and settle events, so they are exact),
 * so `stats()` needs no round trip to a service worker that may be stopped.
 */
import type { DeviceCheckpoint } from '../shared/device-checkpoint.js';
import type { ConsentState, OutboxStats } from '../shared/protocol.js';
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

/**
 * The device as the outbox knows it, for the page's checkpoint cookie (shared/device-checkpoint.ts),
 * with its stored consent; the device is null while it has no id. One read-only transaction.
 */
export async function readDeviceCheckpoint(getDb: () => Promise<HomingDatabase>): Promise<{ device: DeviceCheckpoint | null; consent: ConsentState | null }> {
  const tx = (await getDb()).transaction(META);
  const [anonymousId, seq, pending, consent] = await Promise.all([
    tx.store.get('anonymousId') as Promise<string | undefined>,
    tx.store.get('seq') as Promise<number | undefined>,
    tx.store.get('pending') as Promise<number | undefined>,
    tx.store.get('consent') as Promise<ConsentState | null | undefined>,
  ]);
  return { device: anonymousId ? { anonymousId, seq: seq ?? 0, pending: pending ?? 0 } : null, consent: consent ?? null };
}

/**
 * The device's anonymous id, kept in the outbox database's meta store so the worker of every tab
 * (and the service worker) agrees on it. When IndexedDB is unavailable the id lives for this worker
 * only, and `persistent` says so.
 */
import { META, type HomingDatabase } from '../sw/outbox-db.js';
import type { Identity } from './enrich.js';

export interface LoadedIdentity extends Identity {
  persistent: boolean;
}

export async function loadIdentity(
  getDb: () => Promise<HomingDatabase>,
  newId: () => string,
): Promise<LoadedIdentity> {
  try {
    const db = await getDb();
    const tx = db.transaction(META, 'readwrite');
    const existing = (await tx.store.get('anonymousId')) as string | undefined;
    const anonymousId = existing ?? newId();
    if (!existing) void tx.store.put(anonymousId, 'anonymousId');
    await tx.done;
    return { anonymousId, persistent: true };
  } catch {
    return { anonymousId: newId(), persistent: false };
  }
}

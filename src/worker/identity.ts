/**
 * The device's identity and consent: the anonymous id, the user id set by `identify`/`alias`, and
 * the consent state, kept in the outbox database's meta store so every tab's worker and the
 * service worker agree. The worker applies calls in order in memory (an `identify` names the
 * events after it at once) and writes through; before each batch it re-reads the store, so a
 * change made in another tab is picked up. Without IndexedDB the identity lives in this worker only.
 */
import { META, type HomingDatabase } from '../sw/outbox-db.js';
import type { Capture } from '../shared/protocol.js';
import type { Identity } from './enrich.js';

export interface IdentityStore {
  /** The identity now (after every call applied so far). */
  current(): Identity;
  /** Picks up changes another tab made. */
  refresh(): Promise<void>;
  /** `identify`, `alias`, `reset`, `consent` change the identity; other calls leave it alone. */
  apply(call: Capture): void;
  /** Whether the identity is stored (false: IndexedDB unavailable, this worker only). */
  persistent(): boolean;
}

export async function loadIdentityStore(
  getDb: () => Promise<HomingDatabase>,
  newId: () => string,
  onError: (code: 'persist-failed', detail: string) => void,
): Promise<IdentityStore> {
  let identity: Identity = { anonymousId: '' };
  let stored = true;

  async function read(): Promise<void> {
    const db = await getDb();
    const tx = db.transaction(META, 'readwrite');
    const [anonymousId, userId, consent] = await Promise.all([
      tx.store.get('anonymousId') as Promise<string | undefined>,
      tx.store.get('userId') as Promise<string | null | undefined>,
      tx.store.get('consent') as Promise<Record<string, boolean> | null | undefined>,
    ]);
    identity = { anonymousId: anonymousId ?? newId() };
    if (userId) identity.userId = userId;
    if (consent) identity.consent = consent;
    if (!anonymousId) void tx.store.put(identity.anonymousId, 'anonymousId');
    await tx.done;
  }

  function write(values: Array<[key: 'anonymousId' | 'userId' | 'consent', value: unknown]>): void {
    if (!stored) return;
    getDb()
      .then(async (db) => {
        const tx = db.transaction(META, 'readwrite');
        for (const [key, value] of values) void tx.store.put(value as never, key);
        await tx.done;
      })
      .catch((err: unknown) => onError('persist-failed', `identity: ${String(err)}`));
  }

  try {
    await read();
  } catch {
    stored = false;
    identity = { anonymousId: newId() };
  }

  return {
    current: () => identity,
    async refresh() {
      if (!stored) return;
      try {
        await read();
      } catch (err) {
        onError('persist-failed', `identity: ${String(err)}`);
      }
    },
    apply(call) {
      if ((call.type === 'identify' || call.type === 'alias') && call.userId) {
        identity = { ...identity, userId: call.userId };
        write([['userId', call.userId]]);
      } else if (call.type === 'reset') {
        identity = { anonymousId: newId(), consent: identity.consent };
        write([['anonymousId', identity.anonymousId], ['userId', null]]);
      } else if (call.type === 'consent' && call.consent) {
        identity = { ...identity, consent: { ...identity.consent, ...call.consent } };
        write([['consent', identity.consent]]);
      }
    },
    persistent: () => stored,
  };
}

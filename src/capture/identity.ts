/**
 * The device's identity and consent: the anonymous id, the user id set by `identify`/`alias`, and
 * the consent state, kept in the outbox database's meta store so every tab's worker and the
 * service worker agree. The worker applies calls in order in memory (an `identify` names the
 * events after it at once) and writes through; before each batch it re-reads the store, so a
 * change made in another tab is picked up. A consent change is awaited instead: it is one
 * transaction that may also purge the outbox and reset the identity (outbox-consent.ts). Without
 * IndexedDB the identity lives in this worker only. What each call changes is identity-rules.ts's
 * to say, shared with the service worker's pagehide hand-off.
 */
import { withdrawn } from '../shared/consent.js';
import type { DeviceCheckpoint } from '../shared/device-checkpoint.js';
import type { Capture, ConsentState } from '../shared/protocol.js';
import { META, type HomingDatabase } from '../outbox/outbox-db.js';
import { changeConsent } from '../outbox/outbox-consent.js';
import type { Identity } from './enrich.js';
import { identityAfterConsent, identityFromStore, namedBy, readStoredIdentity } from './identity-rules.js';

export interface IdentityStore {
  /** The identity now (after every call applied so far). */
  current(): Identity;
  /** Picks up changes another tab made. */
  refresh(): Promise<void>;
  /** `identify`, `alias` and `reset` change the identity; other calls leave it alone. */
  apply(call: Capture): void;
  /**
   * Applies a consent update (outbox-consent.ts: one transaction); after a withdrawal the identity
   * is new. Resolves with the purposes withdrawn and how many queued events were purged.
   * `id` is the call's messageId (absent for the browser's signals); `at` its capture time;
   * `enforce` false without a `consent` configuration (recorded only: no purge, no reset).
   */
  changeConsent(update: ConsentState, options: { id?: string; at: number; enforce: boolean }): Promise<{ withdrawn: string[]; purged: number }>;
  /** Whether the identity is stored (false: IndexedDB unavailable, this worker only). */
  persistent(): boolean;
}

/**
 * `checkpoint`: the device's checkpoint cookie as the page found it (shared/device-checkpoint.ts).
 * When the store holds no device at all (no id, no sequence number yet) but the cookie names one,
 * the browser wiped the storage: the device keeps its id, its sequence continues after the last
 * number it handed out, the events that were waiting are counted as `wiped`, and `storage-wiped`
 * is reported. Without a checkpoint a new device gets a new id.
 */
export async function loadIdentityStore(
  getDb: () => Promise<HomingDatabase>,
  newId: () => string,
  onError: (code: 'persist-failed' | 'storage-wiped', detail: string) => void,
  checkpoint: DeviceCheckpoint | null = null,
): Promise<IdentityStore> {
  let identity: Identity = { anonymousId: '' };
  let stored = true;

  async function read(): Promise<void> {
    const db = await getDb();
    const tx = db.transaction(META, 'readwrite');
    const stored = await readStoredIdentity(tx.store);
    if (!stored.anonymousId && checkpoint && (await tx.store.get('seq')) === undefined) {
      identity = identityFromStore({ ...stored, anonymousId: checkpoint.anonymousId }, newId);
      const counts = ((await tx.store.get('counts')) as Record<string, number> | undefined) ?? {};
      void tx.store.put(checkpoint.anonymousId, 'anonymousId');
      void tx.store.put(checkpoint.seq, 'seq');
      void tx.store.put({ ...counts, wiped: (counts.wiped ?? 0) + checkpoint.pending }, 'counts');
      await tx.done;
      onError(
        'storage-wiped',
        `the browser deleted this site's storage; device ${checkpoint.anonymousId} continues after sequence number ${checkpoint.seq}, ${checkpoint.pending} waiting event(s) lost with it`,
      );
      return;
    }
    identity = identityFromStore(stored, newId);
    if (!stored.anonymousId) void tx.store.put(identity.anonymousId, 'anonymousId');
    await tx.done;
  }

  function write(values: Array<[key: 'anonymousId' | 'userId', value: unknown]>): void {
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
      if (call.type === 'reset') {
        identity = { anonymousId: newId(), consent: identity.consent };
        write([['anonymousId', identity.anonymousId], ['userId', null]]);
        return;
      }
      const named = namedBy(identity, call);
      if (named === identity) return;
      identity = named;
      write([['userId', named.userId]]);
    },
    async changeConsent(update, { id, at, enforce }) {
      if (stored) {
        try {
          const change = await changeConsent(getDb, update, { id, newId, now: at, enforce });
          identity = identityAfterConsent(change);
          return change;
        } catch (err) {
          onError('persist-failed', `consent: ${String(err)}`);
        }
      }
      // In this worker only (no IndexedDB, or it failed): the same rules, nothing to purge.
      const gone = enforce ? withdrawn(identity.consent, update) : [];
      identity = gone.length > 0 ? { anonymousId: newId(), consent: { ...identity.consent, ...update } } : { ...identity, consent: { ...identity.consent, ...update } };
      return { withdrawn: gone, purged: 0 };
    },
    persistent: () => stored,
  };
}

/**
 * A consent change, applied to the device in one IndexedDB transaction so it is all or nothing and
 * every context sees it at once: the new state in the meta store (what the deliverer checks at send
 * time), and for each purpose withdrawn (denied, where it was granted or undecided) every queued event
 * that needs it purged from the outbox (counted as `consent`) and the identifiers reset: a new
 * anonymousId, no userId, no session. A grant releases the events held for it (their buffer time no
 * longer applies) and drops those held past it.
 *
 * Idempotent by the call's messageId (UUIDv7, time-ordered): the worker and a pagehide hand-off may
 * both apply the same call, and a call older than the last one applied changes nothing, so a
 * replayed grant can never undo a later withdrawal.
 */
import { deniesAny, granted, grantsAll, withdrawn } from '../shared/consent.js';
import type { ConsentState } from '../shared/protocol.js';
import { META, OUTBOX, type HomingDatabase } from './outbox-db.js';
import { withoutUntil } from './outbox.js';
import { rewriteSegments, subtract } from './outbox-upkeep.js';

export interface ConsentChange {
  /** The device's consent after the change (unchanged for a stale call). */
  consent: ConsentState;
  /** Purposes this change withdrew: their queued events were purged, the identifiers reset. */
  withdrawn: string[];
  /** Events purged from the outbox. */
  purged: number;
  /** The identity to use from now on (new after a withdrawal). */
  anonymousId: string;
  userId: string | null;
}

export interface ConsentChangeOptions {
  /** The consent call's messageId; absent for the browser's signals (DNT, GPC), which only deny. */
  id?: string;
  newId: () => string;
  now: number;
  /**
   * false without a `consent` configuration: the state is recorded and stamped on events, nothing
   * is purged and no identifier reset (consent is then the site's information, not a gate).
   */
  enforce?: boolean;
}

export async function changeConsent(
  getDb: () => Promise<HomingDatabase>,
  update: ConsentState,
  { id, newId, now, enforce = true }: ConsentChangeOptions,
): Promise<ConsentChange> {
  const db = await getDb();
  // Strict: a withdrawal that is acknowledged must survive a crash.
  const tx = db.transaction([OUTBOX, META], 'readwrite', { durability: 'strict' });
  const meta = tx.objectStore(META);
  const [stored, lastId, anonymousId, userId] = await Promise.all([
    meta.get('consent') as Promise<ConsentState | null | undefined>,
    meta.get('consentId') as Promise<string | undefined>,
    meta.get('anonymousId') as Promise<string | undefined>,
    meta.get('userId') as Promise<string | null | undefined>,
  ]);
  const before = stored ?? {};
  const stale = id !== undefined && lastId !== undefined && id <= lastId;
  const change: ConsentChange = {
    consent: stale ? before : { ...before, ...update },
    withdrawn: stale || !enforce ? [] : withdrawn(before, update),
    purged: 0,
    anonymousId: anonymousId ?? newId(),
    userId: userId ?? null,
  };
  if (!anonymousId) void meta.put(change.anonymousId, 'anonymousId');
  if (!stale) {
    void meta.put(change.consent, 'consent');
    if (id !== undefined) void meta.put(id, 'consentId');
  }
  if (change.withdrawn.length > 0) {
    change.anonymousId = newId();
    change.userId = null;
    void meta.put(change.anonymousId, 'anonymousId');
    void meta.put(null, 'userId');
    void meta.put(null, 'session');
  }
  if (change.withdrawn.length > 0 || (enforce && !stale && granted(before, update).length > 0)) {
    const next = change.consent;
    const { removed, bytes } = await rewriteSegments(tx.objectStore(OUTBOX), (_event, _size, gate) => {
      if (!gate) return 'keep';
      if (deniesAny(next, gate.needs)) return 'drop';
      if (gate.until === undefined) return 'keep';
      if (gate.until < now) return 'drop';
      return grantsAll(next, gate.needs) ? { gate: withoutUntil(gate) } : 'keep';
    });
    if (removed > 0) await subtract(meta, removed, bytes, 'consent');
    change.purged = removed;
  }
  await tx.done;
  return change;
}

/**
 * What a captured call does to the device's identity and consent. The worker applies calls with
 * these rules (pipeline.ts, identity.ts), and so does the service worker for the calls a closing
 * page hands it directly (src/sw/handoff.ts): one definition, so a call reads the same whichever
 * context stores it. Pure, except `readStoredIdentity`, which only reads.
 */
import type { Capture, ConsentState } from '../shared/protocol.js';
import type { ConsentChange } from '../outbox/outbox-consent.js';
import type { MetaValues } from '../outbox/outbox-db.js';
import type { Identity } from './enrich.js';
import type { Privacy } from './privacy.js';

/** The identity as the meta store keeps it (outbox-db.ts); absent keys are undefined. */
export type StoredIdentity = Partial<Pick<MetaValues, 'anonymousId' | 'userId' | 'consent'>>;

/** Any store of the meta object store (idb's, read-only or read-write). */
export interface MetaReader {
  get(key: 'anonymousId' | 'userId' | 'consent'): Promise<unknown>;
}

/** Reads the three identity keys in one go, inside the caller's transaction. */
export async function readStoredIdentity(meta: MetaReader): Promise<StoredIdentity> {
  const [anonymousId, userId, consent] = await Promise.all([meta.get('anonymousId'), meta.get('userId'), meta.get('consent')]);
  return { anonymousId, userId, consent } as StoredIdentity;
}

/** The identity the store holds; a device without an anonymous id yet is named by `missing()`. */
export function identityFromStore(stored: StoredIdentity, missing: () => string): Identity {
  const identity: Identity = { anonymousId: stored.anonymousId ?? missing() };
  if (stored.userId) identity.userId = stored.userId;
  if (stored.consent) identity.consent = stored.consent;
  return identity;
}

/**
 * `identify` and `alias` name themselves and every call after them with their userId; any other
 * call leaves the identity as it is (the same object, so a caller can tell nothing changed).
 */
export function namedBy(identity: Identity, call: Capture): Identity {
  return (call.type === 'identify' || call.type === 'alias') && call.userId ? { ...identity, userId: call.userId } : identity;
}

/**
 * The consent update a `consent` call asks for. With a consent configuration: what the browser's
 * signals allow of it (a CMP cannot grant what GPC denies), enforced, so a withdrawal purges the
 * queue and resets the identity; nothing when they allow none of it. Without one: the update as
 * given, recorded only (then consent is the site's information, not a gate). Null for any other
 * call, and for a consent call without a state.
 */
export function consentCallUpdate(call: Capture, privacy: Pick<Privacy, 'consent' | 'allow'> | null): { update: ConsentState; enforce: boolean } | null {
  if (call.type !== 'consent' || !call.consent) return null;
  if (!privacy?.consent) return { update: call.consent, enforce: false };
  const update = privacy.allow(call.consent);
  return Object.keys(update).length > 0 ? { update, enforce: true } : null;
}

/** The identity after a consent change, as outbox-consent.ts answers it (new after a withdrawal). */
export function identityAfterConsent(change: Pick<ConsentChange, 'anonymousId' | 'userId' | 'consent'>): Identity {
  const identity: Identity = { anonymousId: change.anonymousId, consent: change.consent };
  if (change.userId) identity.userId = change.userId;
  return identity;
}

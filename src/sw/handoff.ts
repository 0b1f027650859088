/**
 * Stores the calls a closing page handed straight to the service worker (`pagehide`), because the
 * page's worker may die with the page before it persisted them. The calls get what the worker would
 * have given them: the device's identity from the meta store, enrichment, the same privacy step
 * (PII and URL guards, the consent decision, with the page's privacy configuration) and
 * validation; the outbox keeps a messageId once, so calls the worker did persist in time are not
 * stored twice.
 *
 * Identity calls in the tail only name the events after them here; the worker writes identity,
 * and a `reset` it already applied must not mint a second anonymous id. A consent call is applied
 * (outbox-consent.ts: idempotent by its messageId, so one the worker applied changes nothing), since
 * a withdrawal must not be lost with the worker.
 */
import type { WireEvent } from '../shared/event.js';
import type { Gate, HandoffMessage, PersistItem } from '../shared/protocol.js';
import { enrich, type Identity } from '../worker/enrich.js';
import type { ValidationResult } from '../worker/pipeline.js';
import { createPrivacy } from '../worker/privacy.js';
import { changeConsent } from './outbox-consent.js';
import { META, type HomingDatabase } from './outbox-db.js';
import type { Persist } from './persist.js';
import type { Quarantine } from './quarantine.js';

export interface HandoffDeps {
  getDb: () => Promise<HomingDatabase>;
  persist: Persist;
  validate: (event: WireEvent) => ValidationResult;
  quarantine: Quarantine;
  /** Mints the new anonymous id after a consent withdrawal. */
  newId?: () => string;
  /** Site salt of cookieless per-day ids (the origin). */
  salt?: string;
}

async function readIdentity(getDb: () => Promise<HomingDatabase>): Promise<Identity> {
  const db = await getDb();
  const tx = db.transaction(META);
  const [anonymousId, userId, consent] = await Promise.all([
    tx.store.get('anonymousId') as Promise<string | undefined>,
    tx.store.get('userId') as Promise<string | null | undefined>,
    tx.store.get('consent') as Promise<Record<string, boolean> | null | undefined>,
  ]);
  const identity: Identity = { anonymousId: anonymousId ?? 'unknown-device' };
  if (userId) identity.userId = userId;
  if (consent) identity.consent = consent;
  return identity;
}

/** Resolves with how many events were new. */
export function createHandoff(deps: HandoffDeps): (msg: HandoffMessage) => Promise<number> {
  const newId = deps.newId ?? (() => crypto.randomUUID());
  return async ({ calls, env, privacy: init }) => {
    const privacy = createPrivacy(init, { salt: deps.salt ?? '' });
    let identity = await readIdentity(deps.getDb);
    const items: PersistItem[] = [];
    const gates: Record<string, Gate> = {};
    let invalid = 0;
    let refused = 0;
    for (const call of calls) {
      if (call.type === 'reset') {
        items.push({ type: 'reset', ts: call.ts });
        continue;
      }
      if (call.type === 'consent') {
        if (privacy?.consent && call.consent) {
          const change = await changeConsent(deps.getDb, privacy.allow(call.consent), { id: call.messageId, newId, now: call.ts });
          identity = { anonymousId: change.anonymousId, consent: change.consent };
          if (change.userId) identity.userId = change.userId;
        }
        continue;
      }
      if ((call.type === 'identify' || call.type === 'alias') && call.userId) identity = { ...identity, userId: call.userId };
      const event = enrich({ ...call, type: call.type }, identity, env);
      if (privacy) {
        const decision = await privacy.prepare(event, identity.consent, call.ts);
        if (decision.kind === 'drop') {
          refused++;
          continue;
        }
        if (decision.gate) gates[event.messageId] = decision.gate;
      }
      const verdict = deps.validate(event);
      if (verdict.ok) items.push(event);
      else {
        invalid++;
        await deps.quarantine(event, verdict.code, verdict.reason);
      }
    }
    const counts: Record<string, number> = {};
    if (invalid > 0) counts.invalid = invalid;
    if (refused > 0) counts.consent = refused;
    return deps.persist(items, Object.keys(counts).length > 0 ? counts : undefined, Object.keys(gates).length > 0 ? gates : undefined);
  };
}

/**
 * Stores the calls a closing page handed straight to the service worker (`pagehide`), because the
 * page's worker may die with the page before it persisted them. The calls get what the worker would
 * have given them: the device's identity from the meta store, enrichment and validation; the
 * outbox keeps a messageId once, so calls the worker did persist in time are not stored twice.
 *
 * Identity calls in the tail only name the events after them here; the worker writes identity,
 * and a `reset` it already applied must not mint a second anonymous id.
 */
import type { WireEvent } from '../shared/event.js';
import type { HandoffMessage, PersistItem } from '../shared/protocol.js';
import { enrich, type Identity } from '../worker/enrich.js';
import type { ValidationResult } from '../worker/pipeline.js';
import { META, type HomingDatabase } from './outbox-db.js';
import type { Persist } from './persist.js';
import type { Quarantine } from './quarantine.js';

export interface HandoffDeps {
  getDb: () => Promise<HomingDatabase>;
  persist: Persist;
  validate: (event: WireEvent) => ValidationResult;
  quarantine: Quarantine;
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
  return async ({ calls, env }) => {
    let identity = await readIdentity(deps.getDb);
    const items: PersistItem[] = [];
    let invalid = 0;
    for (const call of calls) {
      if (call.type === 'reset') {
        items.push({ type: 'reset', ts: call.ts });
        continue;
      }
      if (call.type === 'consent') continue;
      if ((call.type === 'identify' || call.type === 'alias') && call.userId) identity = { ...identity, userId: call.userId };
      const event = enrich({ ...call, type: call.type }, identity, env);
      const verdict = deps.validate(event);
      if (verdict.ok) items.push(event);
      else {
        invalid++;
        await deps.quarantine(event, verdict.code, verdict.reason);
      }
    }
    return deps.persist(items, invalid > 0 ? { invalid } : undefined);
  };
}

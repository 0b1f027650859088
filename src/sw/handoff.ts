/**
 * Stores the calls a closing page handed straight to the service worker (`pagehide`), because the
 * page's worker may die with the page before it persisted them. The calls get what the worker would
 * have given them: the device's identity from the meta store, enrichment, the same privacy step
 * (PII and URL guards, the consent decision, with the page's privacy configuration) and
 * validation; the outbox takes each call of a page once (by its number there, call-numbers.ts), so
 * calls the worker did persist in time are not stored twice, even once delivered and deleted. What a call does to the identity and consent is the worker's own rule
 * (src/capture/identity-rules.ts), so the two cannot read a call differently.
 *
 * Identity calls in the tail only name the events after them here; the worker writes identity,
 * and a `reset` it already applied must not mint a second anonymous id. An enforced consent call is
 * applied (outbox-consent.ts: idempotent by its messageId, so one the worker applied changes
 * nothing), since a withdrawal must not be lost with the worker; without a consent configuration
 * a consent call is information only, and recording it is left to the worker.
 */
import type { WireEvent } from '../shared/event.js';
import { pageKey } from '../shared/call-numbers.js';
import type { CallNumbers, Gate, HandoffMessage, PersistItem } from '../shared/protocol.js';
import { enrich, type Identity } from '../capture/enrich.js';
import { consentCallUpdate, identityAfterConsent, identityFromStore, namedBy, readStoredIdentity } from '../capture/identity-rules.js';
import type { EventValidation } from '../capture/validate.js';
import { createPrivacy } from '../capture/privacy.js';
import { changeConsent } from '../outbox/outbox-consent.js';
import { META, type HomingDatabase } from '../outbox/outbox-db.js';
import type { Persist } from '../outbox/persist.js';
import type { Quarantine } from '../outbox/quarantine.js';

export interface HandoffDeps {
  getDb: () => Promise<HomingDatabase>;
  persist: Persist;
  /**
   * The wire-event schema and the checks beyond it, without a site's own schemas. Those are a
   * classic script the worker loads with `importScripts(schemasUrl)`, and the service worker cannot
   * do that: the URL arrives in a message, after the SW's first run, when a classic SW may only
   * import scripts it imported while installing, and the module build (homing-sw.mjs) has no
   * `importScripts` at all. The collector checks the same base schema, so a tail event passed here
   * is never refused there; only a site schema's extra rules are skipped for these few calls.
   */
  validate: (event: WireEvent) => EventValidation;
  quarantine: Quarantine;
  /** Mints the new anonymous id after a consent withdrawal. */
  newId?: () => string;
  /** Site salt of cookieless per-day ids (the origin). */
  salt?: string;
}

async function readIdentity(getDb: () => Promise<HomingDatabase>): Promise<Identity> {
  const db = await getDb();
  // Read-only: the worker mints and writes the device's id. A tail from a device that has none yet
  // (its worker never read the store) is named 'unknown-device' rather than minting a second id.
  return identityFromStore(await readStoredIdentity(db.transaction(META).store), () => 'unknown-device');
}

/** Resolves with how many events were new. */
export function createHandoff(deps: HandoffDeps): (msg: HandoffMessage) => Promise<number> {
  const newId = deps.newId ?? (() => crypto.randomUUID());
  return async ({ calls, env, privacy: init }) => {
    const privacy = createPrivacy(init, { salt: deps.salt ?? '' });
    let identity = await readIdentity(deps.getDb);
    const items: PersistItem[] = [];
    const gates: Record<string, Gate> = {};
    // The page's call numbers: a call the outbox took before (persisted by the worker, even if
    // delivered since) is not stored again with a second sequence number (call-numbers.ts).
    const numbered = calls.find((call) => call.n !== undefined);
    const numbers: CallNumbers | undefined = numbered ? { page: pageKey(numbered.messageId, numbered.n!), numbers: {} } : undefined;
    let invalid = 0;
    let refused = 0;
    for (const call of calls) {
      if (call.type === 'reset') {
        items.push({ type: 'reset', ts: call.ts });
        continue;
      }
      if (call.type === 'consent') {
        const asked = consentCallUpdate(call, privacy);
        if (asked?.enforce) identity = identityAfterConsent(await changeConsent(deps.getDb, asked.update, { id: call.messageId, newId, now: call.ts }));
        continue;
      }
      identity = namedBy(identity, call);
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
      if (verdict.ok) {
        items.push(event);
        if (numbers && call.n !== undefined) numbers.numbers[event.messageId] = call.n;
      } else {
        invalid++;
        await deps.quarantine(event, verdict.code, verdict.reason);
      }
    }
    const counts: Record<string, number> = {};
    if (invalid > 0) counts.invalid = invalid;
    if (refused > 0) counts.consent = refused;
    return deps.persist(items, Object.keys(counts).length > 0 ? counts : undefined, Object.keys(gates).length > 0 ? gates : undefined, numbers);
  };
}

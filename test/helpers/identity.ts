/** Worker identity for unit tests. */
import type { IdentityStore } from '../../src/capture/identity.js';

/** An in-memory identity store with the real one's rules for identify, reset and consent. */
export function memoryIdentity(): IdentityStore {
  let n = 0;
  let identity: { anonymousId: string; userId?: string; consent?: Record<string, boolean> } = { anonymousId: `anon-${n}` };
  return {
    current: () => identity,
    refresh: async () => {},
    apply(call) {
      if (call.type === 'identify' && call.userId) identity = { ...identity, userId: call.userId };
      if (call.type === 'reset') identity = { anonymousId: `anon-${++n}`, consent: identity.consent };
    },
    async changeConsent(update, { enforce }) {
      const withdrawn = enforce ? Object.keys(update).filter((p) => update[p] === false && identity.consent?.[p] !== false) : [];
      const consent = { ...identity.consent, ...update };
      identity = withdrawn.length > 0 ? { anonymousId: `anon-${++n}`, consent } : { ...identity, consent };
      return { withdrawn, purged: 0 };
    },
    persistent: () => true,
  };
}

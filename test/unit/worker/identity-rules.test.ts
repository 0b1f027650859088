import { describe, expect, it } from 'vitest';
import type { Capture } from '../../../src/shared/protocol.js';
import { consentCallUpdate, identityAfterConsent, identityFromStore, namedBy, readStoredIdentity } from '../../../src/capture/identity-rules.js';
import { createPrivacy } from '../../../src/capture/privacy.js';

const page = { url: 'https://x.test/', path: '/', search: '', title: '', referrer: '' };
const call = (type: Capture['type'], extra: Partial<Capture> = {}): Capture => ({ type, messageId: 'm', ts: 0, page, ...extra });

describe('identity rules (shared by the worker and the service worker hand-off)', () => {
  it('reads the stored identity: no user id or consent when null, a stand-in id only when none is stored', async () => {
    const meta = new Map<string, unknown>([['anonymousId', 'dev-1'], ['userId', null], ['consent', { analytics: true }]]);
    const stored = await readStoredIdentity({ get: async (key) => meta.get(key) });
    expect(stored).toEqual({ anonymousId: 'dev-1', userId: null, consent: { analytics: true } });
    let minted = 0;
    const missing = () => `new-${++minted}`;
    expect(identityFromStore(stored, missing)).toEqual({ anonymousId: 'dev-1', consent: { analytics: true } });
    expect(minted).toBe(0);
    expect(identityFromStore({ userId: 'u1', consent: null }, missing)).toEqual({ anonymousId: 'new-1', userId: 'u1' });
  });

  it('identify and alias with a user id rename; every other call leaves the same identity object', () => {
    const identity = { anonymousId: 'dev-1', consent: { analytics: true } };
    expect(namedBy(identity, call('identify', { userId: 'u1' }))).toEqual({ anonymousId: 'dev-1', userId: 'u1', consent: { analytics: true } });
    expect(namedBy(identity, call('alias', { userId: 'u2' }))).toEqual({ anonymousId: 'dev-1', userId: 'u2', consent: { analytics: true } });
    for (const other of [call('identify'), call('track', { event: 'x', userId: 'u3' }), call('page'), call('group'), call('reset'), call('consent')]) {
      expect(namedBy(identity, other), other.type).toBe(identity);
    }
  });

  it('a consent call under a consent configuration is enforced, minus the grants the signals forbid', () => {
    const privacy = createPrivacy({ consent: { honorGpc: true }, signals: { dnt: false, gpc: true } }, { salt: '' })!;
    expect(consentCallUpdate(call('consent', { consent: { analytics: true, marketing: true } }), privacy)).toEqual({
      update: { analytics: true },
      enforce: true,
    });
    // Nothing left to apply: no change at all (in particular no consentId recorded).
    expect(consentCallUpdate(call('consent', { consent: { marketing: true } }), privacy)).toBeNull();
  });

  it('without a consent configuration the update is recorded as given, not enforced', () => {
    const piiOnly = createPrivacy({ pii: {} }, { salt: '' });
    for (const privacy of [null, piiOnly]) {
      expect(consentCallUpdate(call('consent', { consent: { analytics: false } }), privacy)).toEqual({ update: { analytics: false }, enforce: false });
    }
  });

  it('no update for a consent call without a state, nor for any other call', () => {
    const privacy = createPrivacy({ consent: {} }, { salt: '' });
    expect(consentCallUpdate(call('consent'), privacy)).toBeNull();
    expect(consentCallUpdate(call('track', { event: 'x', consent: { analytics: true } }), privacy)).toBeNull();
  });

  it('after a consent change the identity is the one the change answered, without a cleared user id', () => {
    expect(identityAfterConsent({ anonymousId: 'dev-2', userId: null, consent: { analytics: false } })).toEqual({ anonymousId: 'dev-2', consent: { analytics: false } });
    expect(identityAfterConsent({ anonymousId: 'dev-1', userId: 'u1', consent: {} })).toEqual({ anonymousId: 'dev-1', userId: 'u1', consent: {} });
  });
});

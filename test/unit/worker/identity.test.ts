import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteDB } from 'idb';
import { createDbOpener } from '../../../src/sw/outbox-db.js';
import { loadIdentityStore } from '../../../src/worker/identity.js';

const DB = 'homing-test-identity';
const page = { url: 'https://x.test/', path: '/', search: '', title: '', referrer: '' };
let n = 0;
const newId = () => `anon-${++n}`;
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('identity store', () => {
  const openers: Array<ReturnType<typeof createDbOpener>> = [];
  const opener = () => {
    const o = createDbOpener(DB);
    openers.push(o);
    return o;
  };
  afterEach(async () => {
    for (const o of openers.splice(0)) (await o()).close();
    await deleteDB(DB);
  });

  it('mints an anonymous id once and every later worker (another tab) reads the same one', async () => {
    const a = await loadIdentityStore(opener(), newId, () => {});
    const b = await loadIdentityStore(opener(), newId, () => {});
    expect(a.current().anonymousId).toMatch(/^anon-/);
    expect(b.current().anonymousId).toBe(a.current().anonymousId);
    expect(a.persistent()).toBe(true);
  });

  it('identify persists the user id; another tab picks it up on refresh; reset clears it with a new anonymous id', async () => {
    const a = await loadIdentityStore(opener(), newId, () => {});
    const b = await loadIdentityStore(opener(), newId, () => {});
    a.apply({ type: 'identify', messageId: 'i', ts: 0, userId: 'u1', page });
    expect(a.current().userId).toBe('u1');
    await settle();
    await b.refresh();
    expect(b.current().userId).toBe('u1');
    const before = a.current().anonymousId;
    a.apply({ type: 'reset', messageId: 'r', ts: 0, page });
    expect(a.current()).toEqual({ anonymousId: expect.not.stringMatching(before) });
    await settle();
    const c = await loadIdentityStore(opener(), newId, () => {});
    expect(c.current().userId).toBeUndefined();
    expect(c.current().anonymousId).toBe(a.current().anonymousId);
  });

  it('consent merges by purpose and survives reset', async () => {
    const a = await loadIdentityStore(opener(), newId, () => {});
    a.apply({ type: 'consent', messageId: 'c1', ts: 0, page, consent: { analytics: true } });
    a.apply({ type: 'consent', messageId: 'c2', ts: 0, page, consent: { marketing: false } });
    a.apply({ type: 'reset', messageId: 'r', ts: 0, page });
    expect(a.current().consent).toEqual({ analytics: true, marketing: false });
  });

  it('without IndexedDB the identity lives in this worker only, and says so', async () => {
    const s = await loadIdentityStore(() => Promise.reject(new Error('no IndexedDB')), newId, () => {});
    expect(s.persistent()).toBe(false);
    expect(s.current().anonymousId).toMatch(/^anon-/);
  });
});

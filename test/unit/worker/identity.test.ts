import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteDB } from 'idb';
import { createDbOpener } from '../../../src/outbox/outbox-db.js';
import { loadIdentityStore } from '../../../src/capture/identity.js';

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

  it('a checkpoint cookie with no device in the store: the wiped device keeps its id, its sequence continues, the waiting events count as wiped', async () => {
    const reported: string[] = [];
    const checkpoint = { anonymousId: 'device-before-the-wipe', seq: 500, pending: 30 };
    const a = await loadIdentityStore(opener(), newId, (code) => reported.push(code), checkpoint);
    expect(a.current().anonymousId).toBe('device-before-the-wipe');
    expect(reported).toEqual(['storage-wiped']);
    const db = await opener()();
    expect(await db.get('meta', 'seq')).toBe(500);
    expect(await db.get('meta', 'counts')).toEqual({ wiped: 30 });
    // Another tab with the same cookie finds the device restored: nothing happens twice.
    const b = await loadIdentityStore(opener(), newId, (code) => reported.push(code), checkpoint);
    expect(b.current().anonymousId).toBe('device-before-the-wipe');
    expect(reported).toEqual(['storage-wiped']);
    expect(await db.get('meta', 'counts')).toEqual({ wiped: 30 });
  });

  it('a checkpoint names nothing when the store already has a device, or had events (a sequence) under none', async () => {
    const a = await loadIdentityStore(opener(), newId, () => {});
    const reported: string[] = [];
    const b = await loadIdentityStore(opener(), newId, (code) => reported.push(code), { anonymousId: 'other-device-xx', seq: 9, pending: 1 });
    expect(b.current().anonymousId).toBe(a.current().anonymousId);
    expect(reported).toEqual([]);
    const db = await opener()();
    await db.delete('meta', 'anonymousId');
    await db.put('meta', 4, 'seq');
    const c = await loadIdentityStore(opener(), newId, (code) => reported.push(code), { anonymousId: 'other-device-xx', seq: 9, pending: 1 });
    expect(c.current().anonymousId).toMatch(/^anon-/);
    expect(await db.get('meta', 'seq')).toBe(4);
    expect(reported).toEqual([]);
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
    await a.changeConsent({ analytics: true }, { id: 'c1', at: 0, enforce: false });
    await a.changeConsent({ marketing: false }, { id: 'c2', at: 0, enforce: false });
    a.apply({ type: 'reset', messageId: 'r', ts: 0, page });
    expect(a.current().consent).toEqual({ analytics: true, marketing: false });
  });

  it('without a consent configuration a denial is recorded only: the identity stays', async () => {
    const a = await loadIdentityStore(opener(), newId, () => {});
    a.apply({ type: 'identify', messageId: 'i', ts: 0, userId: 'u1', page });
    const before = a.current().anonymousId;
    expect(await a.changeConsent({ analytics: false }, { id: 'c1', at: 0, enforce: false })).toMatchObject({ withdrawn: [] });
    expect(a.current()).toEqual({ anonymousId: before, userId: 'u1', consent: { analytics: false } });
  });

  it('an enforced withdrawal resets the identity, in every tab, and an older call replayed changes nothing', async () => {
    const a = await loadIdentityStore(opener(), newId, () => {});
    const b = await loadIdentityStore(opener(), newId, () => {});
    a.apply({ type: 'identify', messageId: 'i', ts: 0, userId: 'u1', page });
    await a.changeConsent({ analytics: true }, { id: 'c1', at: 0, enforce: true });
    const before = a.current().anonymousId;
    expect(await a.changeConsent({ analytics: false }, { id: 'c2', at: 0, enforce: true })).toMatchObject({ withdrawn: ['analytics'] });
    expect(a.current().anonymousId).not.toBe(before);
    expect(a.current().userId).toBeUndefined();
    await b.refresh();
    expect(b.current()).toEqual(a.current());
    // The grant c1 arrives again (a pagehide hand-off of an older tail): the withdrawal stands.
    expect(await b.changeConsent({ analytics: true }, { id: 'c1', at: 0, enforce: true })).toMatchObject({ withdrawn: [] });
    expect(b.current().consent).toEqual({ analytics: false });
  });

  it('without IndexedDB the identity lives in this worker only, and says so', async () => {
    const s = await loadIdentityStore(() => Promise.reject(new Error('no IndexedDB')), newId, () => {});
    expect(s.persistent()).toBe(false);
    expect(s.current().anonymousId).toMatch(/^anon-/);
  });
});

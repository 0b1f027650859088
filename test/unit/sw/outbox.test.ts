import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteDB, openDB } from 'idb';
import { createDbOpener, DB_VERSION, type HomingDatabase } from '../../../src/outbox/outbox-db.js';
import { createOutbox, type Outbox } from '../../../src/outbox/outbox.js';
import { makeEvent, sessionIds, SESSION } from '../../helpers/events.js';

const DB = 'homing-test-outbox';
const ALL = 1e9;

describe('outbox', () => {
  let getDb: () => Promise<HomingDatabase>;
  let outbox: Outbox;
  let now = 1_000;

  beforeEach(() => {
    getDb = createDbOpener(DB);
    outbox = createOutbox({ getDb, now: () => now, newId: sessionIds(), session: SESSION });
  });
  afterEach(async () => {
    await getDb().then((db) => db.close(), () => undefined); // the last test leaves a newer version
    await deleteDB(DB);
  });

  it('stores events with gap-free per-device sequence numbers, oldest first, one segment per append', async () => {
    expect(await outbox.append([makeEvent('a'), makeEvent('b')])).toBe(2);
    expect(await outbox.append([makeEvent('c')])).toBe(1);
    const rows = await outbox.peek(10, ALL);
    expect(rows.map((r) => [r.messageId, r.event.context.homing?.seq])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(new Set(rows.map((r) => r.segment)).size).toBe(2);
    expect(rows[0].bytes).toBe(JSON.stringify(rows[0].event).length);
    expect(await outbox.count()).toBe(3);
    expect(await (await getDb()).count('outbox')).toBe(2);
  });

  it('is idempotent by messageId: a resend stores nothing twice and takes no new number', async () => {
    await outbox.append([makeEvent('a'), makeEvent('b')]);
    expect(await outbox.append([makeEvent('b'), makeEvent('c'), makeEvent('c')])).toBe(1);
    expect(await outbox.append([makeEvent('a'), makeEvent('b'), makeEvent('c')])).toBe(0);
    const rows = await outbox.peek(10, ALL);
    expect(rows.map((r) => [r.messageId, r.event.context.homing?.seq])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(await outbox.count()).toBe(3);
  });

  it("takes each of a page's calls once by its number, even after it was delivered and deleted", async () => {
    const page = 'page-1';
    await outbox.append([makeEvent('a'), makeEvent('b')], undefined, undefined, { page, numbers: { a: 0, b: 1 }, settled: [2, 3] });
    const first = await outbox.peek(10, ALL);
    await outbox.settle(first, ['a', 'b'], [], now);
    expect(await outbox.count()).toBe(0);
    // The page's tail hands over calls 0–4 (the worker persisted 0 and 1, dropped 2): only 3 and 4 are new.
    const tail = ['a', 'b', 'x', 'c', 'd'].map((id) => makeEvent(id));
    expect(await outbox.append(tail, undefined, undefined, { page, numbers: { a: 0, b: 1, x: 2, c: 3, d: 4 } })).toBe(2);
    // The worker, still alive, persists 3 and 4 after the hand-off stored them: nothing new either.
    expect(await outbox.append([makeEvent('c'), makeEvent('d')], undefined, undefined, { page, numbers: { c: 3, d: 4 } })).toBe(0);
    expect((await outbox.peek(10, ALL)).map((r) => [r.messageId, r.event.context.homing?.seq])).toEqual([
      ['c', 3],
      ['d', 4],
    ]);
    // Another page's calls with the same numbers are its own.
    expect(await outbox.append([makeEvent('e')], undefined, undefined, { page: 'page-2', numbers: { e: 0 } })).toBe(1);
  });

  it('keeps the call numbers of the 64 most recent pages, none older than a day', async () => {
    for (let p = 0; p < 70; p++) {
      now += 1;
      await outbox.append([makeEvent(`e${p}`)], undefined, undefined, { page: `p${p}`, numbers: { [`e${p}`]: 0 } });
    }
    const pages = (await (await getDb()).get('meta', 'calls')) as Record<string, unknown>;
    expect(Object.keys(pages)).toHaveLength(64);
    expect(pages.p69).toBeDefined();
    expect(pages.p5).toBeUndefined();
    now += 24 * 60 * 60_000;
    await outbox.append([makeEvent('late')], undefined, undefined, { page: 'late', numbers: { late: 0 } });
    expect(Object.keys((await (await getDb()).get('meta', 'calls')) as object)).toEqual(['late']);
  });

  it('finds a stored id even when the batch range spans other stored ids', async () => {
    await outbox.append([makeEvent('m')]);
    await outbox.append([makeEvent('k'), makeEvent('z')]);
    expect(await outbox.append([makeEvent('a'), makeEvent('m'), makeEvent('zz')])).toBe(2);
    expect((await outbox.peek(10, ALL)).map((r) => r.messageId)).toEqual(['m', 'k', 'z', 'a', 'zz']);
  });

  it('numbers stay unique when two contexts append at once (transactions serialise)', async () => {
    const other = createOutbox({ getDb: createDbOpener(DB), now: () => now, newId: sessionIds(), session: SESSION });
    await Promise.all([
      outbox.append(Array.from({ length: 50 }, (_, i) => makeEvent(`x${String(i).padStart(2, '0')}`))),
      other.append(Array.from({ length: 50 }, (_, i) => makeEvent(`y${String(i).padStart(2, '0')}`))),
    ]);
    const seqs = (await outbox.peek(1000, ALL)).map((r) => r.event.context.homing?.seq);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await outbox.count()).toBe(100);
  });

  it('stamps each event with its session, and a reset marker ends the session between events', async () => {
    const at = (id: string, iso: string) => makeEvent(id, { timestamp: iso });
    await outbox.append([at('a', '2026-11-28T12:00:00.000Z'), at('b', '2026-11-28T12:10:00.000Z')]);
    await outbox.append([at('c', '2026-11-28T12:20:00.000Z'), { type: 'reset', ts: 0 }, at('d', '2026-11-28T12:21:00.000Z')]);
    await outbox.append([at('e', '2026-11-28T13:00:00.000Z')]); // 39 minutes idle: a new session
    const homing = (await outbox.peek(10, ALL)).map((r) => [r.messageId, r.event.context.homing?.sessionId, r.event.context.homing?.sessionSeq]);
    expect(homing).toEqual([
      ['a', 's1', 1],
      ['b', 's1', 2],
      ['c', 's1', 3],
      ['d', 's2', 1],
      ['e', 's3', 1],
    ]);
  });

  it('gives later events of a session its campaign, and keeps the first touch', async () => {
    const google = { source: 'google', medium: 'cpc' };
    const withCampaign = makeEvent('a');
    withCampaign.context.campaign = google;
    await outbox.append([withCampaign, makeEvent('b')]);
    const [a, b] = await outbox.peek(10, ALL);
    expect(a.event.context.campaign).toEqual(google);
    expect(b.event.context.campaign).toEqual(google);
    expect(b.event.context.homing?.firstTouch).toEqual(google);
  });

  it('cuts batches by count and by bytes across segments, but always returns at least one event', async () => {
    await outbox.append(Array.from({ length: 5 }, (_, i) => makeEvent(`e${i}`)));
    await outbox.append(Array.from({ length: 5 }, (_, i) => makeEvent(`f${i}`)));
    expect((await outbox.peek(7, ALL)).map((r) => r.messageId)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'f0', 'f1']);
    const one = (await outbox.peek(1, ALL))[0].bytes;
    expect(await outbox.peek(100, one * 3)).toHaveLength(3);
    expect(await outbox.peek(100, 1)).toHaveLength(1);
  });

  it('reads on past the first keys it fetches: a batch spanning many segments, and the segments after a settled gap', async () => {
    // 20 segments of 3: more than one read of segment keys (peek fetches a few at a time).
    for (let s = 0; s < 20; s++) await outbox.append([0, 1, 2].map((i) => makeEvent(`s${s}e${i}`)));
    const all = await outbox.peek(1_000, ALL);
    expect(all).toHaveLength(60);
    expect(all.map((r) => r.messageId).slice(0, 4)).toEqual(['s0e0', 's0e1', 's0e2', 's1e0']);
    expect(all.at(-1)?.messageId).toBe('s19e2');
    // Settle the first 12 segments: the next batch starts where they were, past a whole read of keys.
    const first = all.slice(0, 36);
    await outbox.settle(first, first.map((r) => r.messageId), [], 0);
    expect((await outbox.peek(4, ALL)).map((r) => r.messageId)).toEqual(['s12e0', 's12e1', 's12e2', 's13e0']);
  });

  it('settle removes accepted and duplicate ids, dead-letters rejected ones, and keeps the rest in place', async () => {
    await outbox.append([makeEvent('a'), makeEvent('b'), makeEvent('c'), makeEvent('d')]);
    await outbox.append([makeEvent('e')]);
    now = 5_000;
    const rows = await outbox.peek(10, ALL);
    await outbox.settle(rows, ['a', 'b', 'e'], [{ messageId: 'c', code: 'invalid-event', reason: '/event must match pattern' }], now);
    expect((await outbox.peek(10, ALL)).map((r) => [r.messageId, r.event.context.homing?.seq])).toEqual([['d', 4]]);
    expect(await outbox.count()).toBe(1);
    expect(await (await getDb()).count('outbox')).toBe(1); // the emptied segment is gone
    expect(await outbox.deadLetterCount()).toBe(1);
    const dead = await (await getDb()).get('deadletter', 'c');
    expect(dead).toMatchObject({ code: 'invalid-event', reason: '/event must match pattern', at: 5_000 });
    expect(dead?.event.messageId).toBe('c');
  });

  it('settling rows another deliverer already settled changes nothing', async () => {
    await outbox.append([makeEvent('a'), makeEvent('b')]);
    const rows = await outbox.peek(10, ALL);
    await outbox.settle(rows, ['a', 'b'], [], now);
    await outbox.settle(rows, ['a', 'b'], [], now);
    expect(await outbox.count()).toBe(0);
    await outbox.append([makeEvent('c')]);
    expect(await outbox.count()).toBe(1);
  });

  it('counts unknown outcomes per segment', async () => {
    await outbox.append([makeEvent('a'), makeEvent('b')]);
    await outbox.markAttempt(await outbox.peek(10, ALL));
    await outbox.markAttempt(await outbox.peek(1, ALL));
    expect((await outbox.peek(10, ALL)).map((r) => r.attempts)).toEqual([2, 2]);
  });

  it('steps aside when a newer version of the code upgrades the database (blocking → close)', async () => {
    await outbox.append([makeEvent('a')]);
    // A newer schema opens the same database: our open connection must close, not block it.
    const newer = await openDB(DB, DB_VERSION + 1);
    newer.close();
    // This code's version is now too old to open it at all, and says so instead of hanging.
    await expect(createOutbox({ getDb: createDbOpener(DB), now: () => now, newId: sessionIds(), session: SESSION }).count()).rejects.toThrow();
  });
});

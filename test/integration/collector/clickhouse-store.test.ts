/**
 * What only the ClickHouse store has, against a real server (test/helpers/clickhouse.ts): the
 * group commit seen from ClickHouse's side (one INSERT, one part, for many requests), failures
 * reaching every request of the group, backpressure, credentials, an idempotent schema, and two
 * stores (two collector processes' worth) racing on the same ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreBusyError, type StoredEvent } from '../../../src/collector/index.js';
import { toStoredEvent } from '../../../src/collector/normalize.js';
import { createClickHouseStore, type ClickHouseStore, type ClickHouseStoreOptions } from '../../../src/collector/store/clickhouse.js';
import { toEventRow } from '../../../src/collector/store/clickhouse-rows.js';
import { parseClickHouseUrl } from '../../../src/collector/store/clickhouse-url.js';
import { CLICKHOUSE_TEST_USER, startClickHouse, type ClickHouseServer } from '../../helpers/clickhouse.js';
import { NOW, wireEvent } from '../../helpers/events.js';

function row(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return { ...toStoredEvent(wireEvent(), { receivedAt: NOW, batchSentAt: null, channel: 'browser' }), ...overrides };
}
const batch = (n: number) => Array.from({ length: n }, () => row());

let server: ClickHouseServer;
let databases = 0;
const opened: ClickHouseStore[] = [];

beforeAll(async () => {
  server = await startClickHouse();
}, 60_000);
afterAll(async () => {
  for (const s of opened) await s.close();
  await server?.stop();
}, 60_000);

async function open(options: ClickHouseStoreOptions = {}, database = `chstore_${++databases}`): Promise<ClickHouseStore> {
  const store = await createClickHouseStore(parseClickHouseUrl(server.dbUrl(database)), options);
  opened.push(store);
  return store;
}

async function scalar(store: ClickHouseStore, query: string): Promise<number> {
  const rows = await (await store.client.query({ query, format: 'JSONEachRow' })).json<{ n: string | number }>();
  return Number(rows[0].n);
}

/** Parts of `events`, counted with merges stopped, so each INSERT shows as one part. */
const activeParts = (s: ClickHouseStore) =>
  scalar(s, `SELECT count() AS n FROM system.parts WHERE database = '${s.database}' AND table = 'events' AND active`);

describe('ClickHouse store', () => {
  it('creates its schema idempotently and reports the server version', async () => {
    const a = await open({}, 'chstore_shared');
    const b = await open({}, 'chstore_shared'); // a second process starting on the same database
    expect(a.serverVersion).toMatch(/^\d+\.\d+/);
    await a.insertBatch([row()]);
    expect(await b.count()).toBe(1);
    const tables = await (await a.client.query({ query: `SHOW TABLES FROM chstore_shared`, format: 'JSONEachRow' })).json<{ name: string }>();
    expect(tables.map((t) => t.name).sort()).toEqual(['event_channels', 'events', 'loss_manifests', 'profile_traits', 'quality_counts']);
  });

  it('gathers concurrent requests into one INSERT (one part), answering each with its own receipts', async () => {
    const s = await open({ batchMs: 200, batchRows: 100_000 });
    await s.client.command({ query: `SYSTEM STOP MERGES ${s.database}.events` });
    const requests = Array.from({ length: 40 }, () => batch(100));
    const results = await Promise.all(requests.map((events) => s.insertBatch(events)));
    results.forEach((r, i) => expect(r.inserted).toEqual(requests[i].map((e) => e.messageId)));
    expect(await activeParts(s)).toBe(1);
    expect(await s.count()).toBe(4_000);
  });

  it('splits at batchRows without ever splitting a request', async () => {
    const s = await open({ batchMs: 10_000, batchRows: 250 });
    await s.client.command({ query: `SYSTEM STOP MERGES ${s.database}.events` });
    // Two requests of 125 fill a group (it goes at once, not after batchMs), a third would not fit:
    // five groups of two requests.
    const results = await Promise.all(Array.from({ length: 10 }, () => s.insertBatch(batch(125))));
    expect(results.every((r) => r.inserted.length === 125)).toBe(true);
    expect(await activeParts(s)).toBe(5);
  });

  it('fails every request of a group when ClickHouse refuses the INSERT, and works again after', async () => {
    const s = await open({ batchMs: 50 });
    await s.client.command({ query: `RENAME TABLE ${s.database}.events TO ${s.database}.events_away` });
    const failed = await Promise.allSettled([s.insertBatch(batch(10)), s.insertBatch(batch(10))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((failed[0] as PromiseRejectedResult).reason)).toMatch(/events/);
    await s.client.command({ query: `RENAME TABLE ${s.database}.events_away TO ${s.database}.events` });
    expect((await s.insertBatch(batch(10))).inserted).toHaveLength(10);
    expect(await s.count()).toBe(10);
  });

  it('refuses with StoreBusyError past maxQueuedEvents', async () => {
    const s = await open({ batchMs: 300, maxQueuedEvents: 150 });
    const first = s.insertBatch(batch(100));
    await expect(s.insertBatch(batch(100))).rejects.toBeInstanceOf(StoreBusyError);
    expect((await first).inserted).toHaveLength(100);
    expect((await s.insertBatch(batch(100))).inserted).toHaveLength(100);
  });

  it('logs in with the user and password of the URL, and says so when they are wrong', async () => {
    const url = new URL(server.dbUrl('chstore_auth'));
    url.username = CLICKHOUSE_TEST_USER.user;
    url.password = CLICKHOUSE_TEST_USER.password;
    const s = await createClickHouseStore(parseClickHouseUrl(url.href));
    opened.push(s);
    expect((await s.insertBatch([row()])).inserted).toHaveLength(1);
    url.password = 'wrong';
    await expect(createClickHouseStore(parseClickHouseUrl(url.href))).rejects.toThrow(/cannot open ClickHouse at http:\/\/127\.0\.0\.1:\d+ \(database chstore_auth\).*(password|Authentication|516|192)/s);
  });

  it('two stores racing on the same ids: each id counted once in every read, one row after merging', async () => {
    const database = `chstore_${++databases}`;
    const [a, b] = [await open({ batchMs: 20 }, database), await open({ batchMs: 20 }, database)];
    const events = batch(500);
    // The same batch through both nodes at once (a client retrying on another node), then again
    // through each after their answers (a resend).
    const [ra, rb] = await Promise.all([a.insertBatch(events), b.insertBatch(events)]);
    for (const r of [ra, rb]) expect(r.inserted.length + r.duplicate.length).toBe(500);
    // Every id was accepted by at least one node; a race may have both accept it (documented).
    const acceptedIds = new Set([...ra.inserted, ...rb.inserted]);
    expect(acceptedIds.size).toBe(500);
    expect(await a.insertBatch(events)).toEqual({ inserted: [], duplicate: events.map((e) => e.messageId) });
    expect(await b.insertBatch(events)).toEqual({ inserted: [], duplicate: events.map((e) => e.messageId) });

    expect(await a.count()).toBe(500);
    expect(await b.count()).toBe(500);
    expect(await scalar(a, `SELECT count() AS n FROM ${database}.events FINAL`)).toBe(500);
    await a.client.command({ query: `OPTIMIZE TABLE ${database}.events FINAL` });
    expect(await scalar(a, `SELECT count() AS n FROM ${database}.events`)).toBe(500);
  });

  it('adds up the quality counters of every node', async () => {
    const database = `chstore_${++databases}`;
    const [a, b] = [await open({}, database), await open({}, database)];
    await a.addQualityCounts!([{ minute: 60_000, kind: 'accepted', channel: 'browser', code: '', count: 5 }]);
    await b.addQualityCounts!([
      { minute: 60_000, kind: 'accepted', channel: 'browser', code: '', count: 2 },
      { minute: 60_000, kind: 'rejected', channel: 'browser', code: 'invalid', count: 1 },
    ]);
    await a.addQualityCounts!([]);
    const rows = await (await a.client.query({
      query: `SELECT kind, code, sum(n) AS n FROM ${database}.quality_counts GROUP BY kind, code ORDER BY kind`, format: 'JSONEachRow',
    })).json<{ kind: string; code: string; n: string }>();
    expect(rows.map((r) => [r.kind, r.code, Number(r.n)])).toEqual([['accepted', '', 7], ['rejected', 'invalid', 1]]);
  });

  it('finds stored ids whatever characters they hold', async () => {
    const s = await open();
    const odd = ["quote'id", 'back\\slash', 'sep\x1fid', 'tab\tid', 'ünï-😀', 'x'.repeat(100)].map((messageId) => row({ messageId }));
    expect((await s.insertBatch(odd)).inserted).toHaveLength(6);
    expect(await s.insertBatch(odd)).toEqual({ inserted: [], duplicate: odd.map((e) => e.messageId) });
    // Without the odd one out, the check takes the split-literal path.
    const plain = odd.filter((e) => !e.messageId.includes('\x1f'));
    expect((await s.insertBatch([...plain, row()])).duplicate).toEqual(plain.map((e) => e.messageId));
    expect((await s.getEvent("quote'id"))?.messageId).toBe("quote'id");
  });

  it('puts every copy of an id in one partition, whatever the clock skew of each attempt', async () => {
    const s = await open();
    await s.client.command({ query: `SYSTEM STOP MERGES ${s.database}.events` });
    const e = row({ messageId: 'segment-style-id-1', ts: Date.parse('2026-01-31T23:59:59.000Z') });
    e.payload.originalTimestamp = '2026-01-31T23:59:59.000Z';
    await s.insertBatch([e]);
    // The same event raced in through another node whose attempt had a clock a minute ahead: its
    // corrected ts falls in February. Written as that node would have written it.
    const copy = toEventRow({ ...e, ts: Date.parse('2026-02-01T00:00:59.000Z'), receivedAt: NOW + 60_000 });
    await s.client.insert({ table: `${s.database}.events`, values: [copy], format: 'JSONEachRow' });
    const parts = await (await s.client.query({
      query: `SELECT DISTINCT _part AS part FROM ${s.database}.events WHERE message_id = '${e.messageId}'`, format: 'JSONEachRow',
    })).json<{ part: string }>();
    expect(parts).toHaveLength(2);
    expect(new Set(parts.map((p) => p.part.split('_')[0]))).toEqual(new Set(['202601']));
    expect(await s.count()).toBe(1);
    expect(await scalar(s, `SELECT count() AS n FROM ${s.database}.events FINAL`)).toBe(1);
  });
});

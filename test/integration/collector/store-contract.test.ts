/**
 * The EventStore contract (src/collector/store/store.ts), one set of cases run against every
 * engine the CLI can open: SQLite on its worker thread (dist/collector/sqlite-worker.js: build
 * first) and ClickHouse (a real server from the installed binary, test/helpers/clickhouse.ts; the
 * test fails, never skips, when ClickHouse is not installed). Each case gets a fresh store: a new
 * SQLite file, or a new ClickHouse database on the one server of this file.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteWorkerStore, type EventStore, type StoredEvent, type StoredManifest } from '../../../src/collector/index.js';
import { toStoredEvent } from '../../../src/collector/normalize.js';
import { createClickHouseStore } from '../../../src/collector/store/clickhouse.js';
import { parseClickHouseUrl } from '../../../src/collector/store/clickhouse-url.js';
import type { WireEvent } from '../../../src/shared/event.js';
import { startClickHouse, type ClickHouseServer } from '../../helpers/clickhouse.js';
import { NOW, wireEvent } from '../../helpers/events.js';

const WORKER = new URL('../../../dist/collector/sqlite-worker.js', import.meta.url);

function row(overrides: Partial<StoredEvent> = {}, wire: Partial<WireEvent> = {}): StoredEvent {
  return { ...toStoredEvent(wireEvent(wire), { receivedAt: NOW, batchSentAt: null, channel: 'browser' }), ...overrides };
}

function identify(userId: string, ts: number, traits: Record<string, unknown>, anonymousId = 'anon-1'): StoredEvent {
  return row({ ts }, { type: 'identify', event: undefined, userId, anonymousId, traits });
}

function manifest(overrides: Partial<StoredManifest> = {}): StoredManifest {
  return { deviceId: 'anon-1', at: NOW - 1_000, receivedAt: NOW, counts: { captured: 10, delivered: 8 }, lastSeq: 10, ...overrides };
}

interface Engine {
  name: string;
  setup(): Promise<void>;
  /** Opens the store named `n`: the same `n` reopens the same file or database. */
  open(n: number): Promise<EventStore>;
  teardown(): Promise<void>;
}

let dir: string;
let clickhouse: ClickHouseServer | undefined;
let databases = 0;

const engines: Engine[] = [
  {
    name: 'sqlite (worker thread)',
    async setup() {
      if (!existsSync(fileURLToPath(WORKER))) throw new Error('build first: node build.mjs --no-types');
    },
    open: (n) => createSqliteWorkerStore(join(dir, `store-${n}.sqlite`), { workerUrl: WORKER }),
    async teardown() {},
  },
  {
    name: 'clickhouse',
    async setup() {
      clickhouse = await startClickHouse();
    },
    // A short batchMs keeps the cases quick; the group-commit rules are the same at any value.
    open: (n) => createClickHouseStore(parseClickHouseUrl(clickhouse!.dbUrl(`contract_${n}`)), { batchMs: 5 }),
    async teardown() {
      await clickhouse?.stop();
    },
  },
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'homing-contract-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(engines)('EventStore contract: $name', (engine) => {
  let store: EventStore | undefined;
  beforeAll(() => engine.setup(), 60_000);
  afterAll(() => engine.teardown(), 60_000);
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  let current = 0;
  const open = async () => (store = await engine.open((current = ++databases)));

  it('answers exact receipts for a mixed call: new ids inserted, stored ones duplicate', async () => {
    const s = await open();
    const [a, b, c] = [row(), row(), row()];
    expect(await s.insertBatch([a, b])).toEqual({ inserted: [a.messageId, b.messageId], duplicate: [] });
    expect(await s.insertBatch([a, c, b])).toEqual({ inserted: [c.messageId], duplicate: [a.messageId, b.messageId] });
    expect(await s.insertBatch([a, b, c])).toEqual({ inserted: [], duplicate: [a.messageId, b.messageId, c.messageId] });
    expect(await s.count()).toBe(3);
    expect(await s.insertBatch([])).toEqual({ inserted: [], duplicate: [] });
  });

  it('stores an id once when concurrent requests carry it: exactly one is told inserted', async () => {
    const s = await open();
    const batches = Array.from({ length: 30 }, () => Array.from({ length: 50 }, () => row()));
    const shared = row();
    batches[3].push(shared);
    batches[20].push(shared);
    const results = await Promise.all(batches.map((events) => s.insertBatch(events)));
    expect(results.reduce((n, r) => n + r.inserted.length, 0)).toBe(1501);
    expect(results.filter((r) => r.inserted.includes(shared.messageId))).toHaveLength(1);
    expect(results.filter((r) => r.duplicate.includes(shared.messageId))).toHaveLength(1);
    expect(await s.count()).toBe(1501);
  });

  it('keeps the first copy of an event and lists every channel that saw it, in order', async () => {
    const s = await open();
    const browser = row();
    await s.insertBatch([browser]);
    expect(await s.insertBatch([{ ...browser, channel: 'server', userId: 'changed' }])).toEqual({ inserted: [], duplicate: [browser.messageId] });
    expect((await s.insertBatch([{ ...browser, channel: 'browser' }])).duplicate).toEqual([browser.messageId]);
    expect((await s.insertBatch([{ ...browser, channel: 'pixel' }])).duplicate).toEqual([browser.messageId]);
    expect((await s.insertBatch([{ ...browser, channel: 'server' }])).duplicate).toEqual([browser.messageId]);

    const stored = (await s.getEvent(browser.messageId))!;
    expect(stored.channel).toBe('browser');
    expect(stored.channels).toEqual(['browser', 'server', 'pixel']);
    expect(stored.userId).toBeNull();
    expect(stored.payload).toEqual(browser.payload);
    expect(await s.count()).toBe(1);
  });

  it('round-trips columns and payload through getEvent, including awkward strings', async () => {
    const s = await open();
    const e = row({ sentAt: NOW - 5, userId: "o'brien\\ \t\n 😀", sessionId: null, seq: 42 });
    e.payload.properties = { quote: "it's", backslash: 'a\\b', nested: { deep: [1, 2, { x: null }] }, emoji: '😀' };
    await s.insertBatch([e]);
    const got = (await s.getEvent(e.messageId))!;
    const { payloadJson: _json, ...expected } = e;
    expect(got).toEqual({ ...expected, channels: ['browser'] });
    expect(await s.getEvent('no-such-id')).toBeUndefined();
  });

  it('keeps the newest manifest per device: a later at replaces, an older one arriving late is stale', async () => {
    const s = await open();
    expect(await s.insertBatch([row()], manifest({ at: 2_000, counts: { captured: 5 } }))).toMatchObject({ manifest: 'stored' });
    expect(await s.insertBatch([], manifest({ at: 1_000, counts: { captured: 3 } }))).toEqual({ inserted: [], duplicate: [], manifest: 'stale' });
    expect(await s.insertBatch([], manifest({ at: 2_000, receivedAt: NOW + 1, counts: { captured: 6 } }))).toMatchObject({ manifest: 'stored' });
    expect(await s.insertBatch([], manifest({ deviceId: 'anon-2', at: 1 }))).toMatchObject({ manifest: 'stored' });
    expect(await s.getManifest('anon-1')).toEqual({ deviceId: 'anon-1', at: 2_000, receivedAt: NOW + 1, counts: { captured: 6 }, lastSeq: 10 });
    expect((await s.getManifest('anon-2'))?.at).toBe(1);
    expect(await s.getManifest('anon-3')).toBeUndefined();
    expect((await s.insertBatch([row()])).manifest).toBeUndefined();
  });

  it('merges identify traits into the profile, the later capture winning; a resend changes nothing', async () => {
    const s = await open();
    const first = identify('u-1', 2_000, { plan: 'pro', name: 'Ada' });
    await s.insertBatch([first]);
    await s.insertBatch([identify('u-1', 1_000, { plan: 'free', email: 'ada@example.com' })]);
    await s.insertBatch([identify('u-1', 3_000, { name: 'Ada L.' })]);
    await s.insertBatch([{ ...first, ts: 9_000, payload: { ...first.payload, traits: { plan: 'resent' } }, payloadJson: undefined }]);
    expect(await s.getProfile('u-1')).toEqual({
      userId: 'u-1',
      traits: { plan: 'pro', name: 'Ada L.', email: 'ada@example.com' },
      firstSeen: 1_000,
      lastSeen: 3_000,
    });
    expect(await s.getProfile('u-2')).toBeUndefined();
  });

  it("erases a user: their events, their devices' anonymous events and manifests, the profile", async () => {
    const s = await open();
    const mine = row({ userId: 'u-1', anonymousId: 'dev-1' });
    const beforeLogin = row({ userId: null, anonymousId: 'dev-1' });
    const otherDevice = row({ userId: 'u-1', anonymousId: 'dev-2' });
    const otherDeviceAnon = row({ userId: null, anonymousId: 'dev-2' });
    const sharedDeviceOtherUser = row({ userId: 'u-2', anonymousId: 'dev-1' });
    const stranger = row({ userId: null, anonymousId: 'dev-9' });
    const traits = identify('u-1', NOW, { a: 1 }, 'dev-1');
    await s.insertBatch([mine, beforeLogin, otherDevice, otherDeviceAnon, sharedDeviceOtherUser, stranger, traits], manifest({ deviceId: 'dev-1' }));
    await s.insertBatch([{ ...mine, channel: 'server' }], manifest({ deviceId: 'dev-9' }));

    expect(await s.eraseUser('u-1')).toEqual({ events: 5, anonymousIds: 2, profiles: 1, manifests: 1 });
    expect(await s.count()).toBe(2);
    expect(await s.getEvent(mine.messageId)).toBeUndefined();
    expect(await s.getEvent(beforeLogin.messageId)).toBeUndefined();
    expect(await s.getEvent(sharedDeviceOtherUser.messageId)).toBeDefined();
    expect(await s.getEvent(stranger.messageId)).toBeDefined();
    expect(await s.getProfile('u-1')).toBeUndefined();
    expect(await s.getManifest('dev-1')).toBeUndefined();
    expect(await s.getManifest('dev-9')).toBeDefined();
    expect(await s.eraseUser('u-1')).toEqual({ events: 0, anonymousIds: 0, profiles: 0, manifests: 0 });
    // An erased event that is resent is a new event again.
    expect(await s.insertBatch([mine])).toEqual({ inserted: [mine.messageId], duplicate: [] });
  });

  it('on close, stores and answers every request already accepted, then refuses', async () => {
    const s = await open();
    const pending = Array.from({ length: 10 }, () => s.insertBatch(Array.from({ length: 50 }, () => row())));
    const closed = s.close();
    const results = await Promise.all(pending);
    await closed;
    expect(results.every((r) => r.inserted.length === 50)).toBe(true);
    await expect(Promise.resolve().then(() => s.insertBatch([row()]))).rejects.toThrow(/closed/);
    await s.close(); // idempotent
    // Durable: a new store on the same file or database finds them all.
    store = await engine.open(current);
    expect(await store.count()).toBe(500);
  });
});

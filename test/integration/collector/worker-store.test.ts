/**
 * The SQLite store on its worker thread (the bundled dist/collector/sqlite-worker.js): the same
 * contract as the in-thread store, concurrent requests grouped into commits, backpressure, and a
 * close that finishes what was accepted.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, createSqliteWorkerStore, StoreBusyError, type EventStore, type StoredEvent } from '../../../src/collector/index.js';
import { toStoredEvent } from '../../../src/collector/normalize.js';
import { NOW, wireEvent } from '../../helpers/events.js';

const WORKER = new URL('../../../dist/collector/sqlite-worker.js', import.meta.url);

function row(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return { ...toStoredEvent(wireEvent(), { receivedAt: NOW, batchSentAt: null, channel: 'browser' }), ...overrides };
}

let dir: string;
let path: string;
let store: EventStore | undefined;
beforeEach(() => {
  if (!existsSync(fileURLToPath(WORKER))) throw new Error('build first: node build.mjs --no-types');
  dir = mkdtempSync(join(tmpdir(), 'homing-worker-'));
  path = join(dir, 'db', 'events.sqlite');
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('createSqliteWorkerStore', () => {
  it('answers like the in-thread store: receipts, channels, reads, erasure', async () => {
    store = await createSqliteWorkerStore(path, { workerUrl: WORKER });
    const a = row({ userId: 'u-1' });
    const b = row({ anonymousId: 'someone-else' });

    expect(await store.insertBatch([a, b])).toEqual({ inserted: [a.messageId, b.messageId], duplicate: [] });
    expect(await store.insertBatch([{ ...a, channel: 'server' }])).toEqual({ inserted: [], duplicate: [a.messageId] });
    expect(await store.count()).toBe(2);
    expect((await store.getEvent(a.messageId))?.channels).toEqual(['browser', 'server']);
    expect(await store.getEvent('nope')).toBeUndefined();
    expect(await store.eraseUser('u-1')).toEqual({ events: 1, anonymousIds: 1, profiles: 0, manifests: 0 });
  });

  it('stores many concurrent requests, each answered with its own receipts, a copy racing in another request counted once', async () => {
    store = await createSqliteWorkerStore(path, { workerUrl: WORKER });
    const batches = Array.from({ length: 40 }, () => Array.from({ length: 100 }, () => row()));
    const shared = row();
    batches[10].push(shared);
    batches[30].push({ ...shared, channel: 'server' });

    const results = await Promise.all(batches.map((events) => store!.insertBatch(events)));

    expect(results.reduce((n, r) => n + r.inserted.length, 0)).toBe(4001);
    expect(results[10].inserted).toContain(shared.messageId);
    expect(results[30].duplicate).toEqual([shared.messageId]);
    expect(await store.count()).toBe(4001);
    expect((await store.getEvent(shared.messageId))?.channels).toEqual(['browser', 'server']);
  });

  it('refuses at once with StoreBusyError past maxQueuedEvents, and accepts again once the queue drains', async () => {
    store = await createSqliteWorkerStore(path, { workerUrl: WORKER, maxQueuedEvents: 150 });
    const first = store.insertBatch(Array.from({ length: 100 }, () => row()));
    await expect(store.insertBatch(Array.from({ length: 100 }, () => row()))).rejects.toBeInstanceOf(StoreBusyError);
    await first;
    expect((await store.insertBatch(Array.from({ length: 100 }, () => row()))).inserted).toHaveLength(100);
  });

  it('on close, commits and answers everything already accepted, then refuses', async () => {
    store = await createSqliteWorkerStore(path, { workerUrl: WORKER });
    const pending = Array.from({ length: 10 }, () => store!.insertBatch(Array.from({ length: 50 }, () => row())));
    const closed = store.close();
    const results = await Promise.all(pending);
    await closed;
    expect(results.every((r) => r.inserted.length === 50)).toBe(true);
    await expect(store.insertBatch([row()])).rejects.toThrow(/closed/);
    store = undefined;

    const reopened = createSqliteStore(path);
    expect(reopened.count()).toBe(500);
    reopened.close();
  });

  it('fails what a dying worker had not answered, then starts a new worker for the next call', async () => {
    const crashOnce = new URL('./fixtures/crash-once-worker.mjs', import.meta.url);
    store = await createSqliteWorkerStore(path, { workerUrl: crashOnce });
    await expect(store.insertBatch([row()])).rejects.toThrow(/the store worker exited \(3\)/);
    const e = row();
    expect(await store.insertBatch([e])).toEqual({ inserted: [e.messageId], duplicate: [] });
  });

  it('fails to start, with the reason, when the database cannot be opened', async () => {
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    const bad = join(blocked, 'events.sqlite'); // its "directory" is a file
    await expect(createSqliteWorkerStore(bad, { workerUrl: WORKER })).rejects.toThrow(`cannot open the store at ${bad}`);
  });
});

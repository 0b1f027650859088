import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createDbOpener } from '../../../src/outbox/outbox-db.js';
import { readDeviceCheckpoint, readOutboxStats } from '../../../src/outbox/outbox-stats.js';
import { createOutbox } from '../../../src/outbox/outbox.js';
import { makeEvent } from '../../helpers/events.js';

describe('readOutboxStats', () => {
  it('is all zeros for a fresh database', async () => {
    const getDb = createDbOpener(`stats-${Math.random()}`);
    expect(await readOutboxStats(getDb)).toEqual({
      pending: 0, bytes: 0, stored: 0, delivered: 0, duplicate: 0, rejected: 0, evicted: 0, expired: 0, deadLetter: 0,
    });
  });

  it('reports what waits and what the receipts said, as the outbox counted it', async () => {
    const getDb = createDbOpener(`stats-${Math.random()}`);
    let id = 0;
    const outbox = createOutbox({ getDb, now: () => 1_000, newId: () => `s-${++id}`, session: { idleMs: 1e9, maxMs: 1e9 } });
    await outbox.append(['a', 'b', 'c', 'd'].map((m) => makeEvent(m)));
    const rows = await outbox.peek(3, 1e9);
    await outbox.settle(rows, ['a', 'b'], [{ messageId: 'c', code: 'invalid-event', reason: 'bad' }], 2_000, { delivered: 1, duplicate: 1, rejected: 1 });
    const stats = await readOutboxStats(getDb);
    expect(stats).toMatchObject({ pending: 1, stored: 4, delivered: 1, duplicate: 1, rejected: 1, deadLetter: 1 });
    expect(stats.bytes).toBeGreaterThan(0);
  });
});

describe('readDeviceCheckpoint', () => {
  it('is no device before one has an id; then its id, last sequence number, waiting events and consent', async () => {
    const getDb = createDbOpener(`checkpoint-${Math.random()}`);
    expect(await readDeviceCheckpoint(getDb)).toEqual({ device: null, consent: null });
    const outbox = createOutbox({ getDb, now: () => 1_000, newId: () => 's', session: { idleMs: 1e9, maxMs: 1e9 } });
    const db = await getDb();
    await db.put('meta', 'device-1', 'anonymousId');
    await db.put('meta', { analytics: true }, 'consent');
    await outbox.append(['a', 'b', 'c'].map((m) => makeEvent(m)));
    await outbox.settle(await outbox.peek(1, 1e9), ['a'], [], 2_000);
    expect(await readDeviceCheckpoint(getDb)).toEqual({ device: { anonymousId: 'device-1', seq: 3, pending: 2 }, consent: { analytics: true } });
  });
});

import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createDbOpener } from '../../../src/outbox/outbox-db.js';
import { readOutboxStats } from '../../../src/outbox/outbox-stats.js';
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

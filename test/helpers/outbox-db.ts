/**
 * A fresh outbox database per test (fake-indexeddb), seeded with a device identity the way the
 * worker leaves it, closed and deleted after each test. Call inside a `describe`, before the tests'
 * own `beforeEach` (which then runs after the seeding).
 */
import { deleteDB } from 'idb';
import { afterEach, beforeEach } from 'vitest';
import { createDbOpener, type HomingDatabase } from '../../src/outbox/outbox-db.js';

export interface OutboxDb {
  /** The current test's opener. */
  getDb(): Promise<HomingDatabase>;
}

export function useOutboxDb(name: string, identity = { anonymousId: 'device-1', userId: 'user-9' }): OutboxDb {
  let getDb: () => Promise<HomingDatabase>;
  beforeEach(async () => {
    getDb = createDbOpener(name);
    const db = await getDb();
    await db.put('meta', identity.anonymousId, 'anonymousId');
    await db.put('meta', identity.userId, 'userId');
  });
  afterEach(async () => {
    (await getDb()).close();
    await deleteDB(name);
  });
  return { getDb: () => getDb() };
}

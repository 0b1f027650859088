import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteDB, openDB } from 'idb';
import { createDbOpener, DB_VERSION, META, MIGRATIONS, type HomingDatabase } from '../../../src/outbox/outbox-db.js';

const DB = 'homing-test-migrations';

describe('outbox schema migrations', () => {
  afterEach(async () => {
    await deleteDB(DB);
  });

  it('has one step per version', () => {
    expect(MIGRATIONS).toHaveLength(DB_VERSION);
  });

  // From every older version, including a device that never had Homing (0): open a database as
  // that version left it, with data in it, then open it with the current code.
  for (let from = 0; from <= DB_VERSION; from++) {
    it(`upgrades from version ${from} without losing data or a store`, async () => {
      if (from > 0) {
        const old = await openDB(DB, from, {
          upgrade(db, oldVersion) {
            for (let v = oldVersion; v < from; v++) MIGRATIONS[v](db as unknown as HomingDatabase);
          },
        });
        await old.put(META, 'device-from-v' + from, 'anonymousId');
        old.close();
      }
      const storesBefore = new Set<string>();
      if (from > 0) {
        const peek = await openDB(DB, from);
        for (const name of peek.objectStoreNames) storesBefore.add(name);
        peek.close();
      }
      const db = await createDbOpener(DB)();
      try {
        expect(db.version).toBe(DB_VERSION);
        // Additive only: every store of the older version is still there.
        for (const name of storesBefore) expect([...db.objectStoreNames]).toContain(name);
        expect([...db.objectStoreNames].sort()).toEqual(['deadletter', 'meta', 'outbox', 'quarantine']);
        if (from > 0) expect(await db.get(META, 'anonymousId')).toBe('device-from-v' + from);
      } finally {
        db.close();
      }
    });
  }

  it('no migration step deletes a store (workbox QueueDb does; here it would lose events)', () => {
    const source = MIGRATIONS.map((step) => step.toString()).join('\n');
    expect(source).not.toMatch(/deleteObjectStore|deleteIndex/);
  });
});

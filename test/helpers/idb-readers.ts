/**
 * Reads of the page's `homing` IndexedDB database (the service worker's outbox), for tests that
 * must know what is queued before they break something. Both drivers use them: Playwright
 * (test/e2e) and puppeteer-core (test/cross).
 *
 * `readHomingDb` is the page function itself. `page.evaluate` sends it as source text and runs it
 * in the page, so it must stay self-contained (no imports, no helpers from this module) and take
 * one argument, which is the calling convention both drivers share. The wrappers below run it.
 */

/** One read: a value by key, every row of a store, or the number of rows. */
export interface HomingDbRead {
  /** Store names of src/sw/outbox-db.ts (not imported: the page function cannot reach them). */
  store: 'outbox' | 'meta' | 'deadletter' | 'quarantine';
  /** One value by key; without it, every row (`getAll`). */
  key?: string;
  /** The number of rows instead of the rows. */
  count?: boolean;
}

/**
 * Runs in the page. Never creates the database: an open that would is aborted and rejects, so a
 * test polling before the service worker made it reads an error, not an empty database that the
 * service worker's own open would then find at version 1 without stores.
 */
export function readHomingDb(read: HomingDbRead): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    const open = indexedDB.open('homing');
    open.onupgradeneeded = () => open.transaction!.abort();
    open.onerror = () => reject(new Error(`no homing database: ${String(open.error)}`));
    open.onsuccess = () => {
      const db = open.result;
      try {
        const store = db.transaction(read.store).objectStore(read.store);
        const req = read.count ? store.count() : read.key === undefined ? store.getAll() : store.get(read.key);
        req.onsuccess = () => {
          db.close();
          resolve(req.result);
        };
        req.onerror = () => {
          db.close();
          reject(req.error);
        };
      } catch (err) {
        // A missing store throws here, inside an event handler: reject, or the test would hang.
        db.close();
        reject(err);
      }
    };
  });
}

/**
 * What Playwright's `Page` and puppeteer-core's `Page` both offer for this one function, so the
 * wrappers serve both drivers.
 */
export interface EvaluatesHomingDb {
  evaluate(fn: typeof readHomingDb, read: HomingDbRead): Promise<unknown>;
}

/** A value of a store by key (`undefined` when absent), or every row of it without a key. */
export function readStore(page: EvaluatesHomingDb, store: HomingDbRead['store'], key?: string): Promise<any> {
  return page.evaluate(readHomingDb, key === undefined ? { store } : { store, key });
}

/** Rows in a store. Outbox rows are segments of many events: `outboxPending` counts events. */
export async function countRows(page: EvaluatesHomingDb, store: HomingDbRead['store']): Promise<number> {
  return (await page.evaluate(readHomingDb, { store, count: true })) as number;
}

/** Events waiting in the outbox: the `pending` counter of the `meta` store (0 before the first). */
export async function outboxPending(page: EvaluatesHomingDb): Promise<number> {
  return ((await readStore(page, 'meta', 'pending')) as number | undefined) ?? 0;
}

/** Events in the outbox's segments, counted from the rows themselves rather than the counter. */
export async function outboxEvents(page: EvaluatesHomingDb): Promise<number> {
  const segments = (await readStore(page, 'outbox')) as Array<{ ids: string[] }>;
  return segments.reduce((n, segment) => n + segment.ids.length, 0);
}

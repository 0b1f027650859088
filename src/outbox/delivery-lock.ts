/**
 * The delivery lock (Web Locks), taken per batch, with a way past a holder that hangs.
 *
 * Every deliverer of the origin (each service-worker instance, a worker delivering without one)
 * reads and settles the outbox under one lock, so no two read the same rows. A holder can hang: in
 * Firefox, clearing a site's data under a running service worker leaves that instance's IndexedDB
 * requests unanswered for good, and its lock held, while the next instance waits behind it and
 * nothing is ever delivered again (seen in the wipe scenario of test/cross). A batch holds the lock
 * for one request at most (its timeout) plus a few IndexedDB operations, so a waiter that has waited
 * `stealAfterMs` takes the lock over (`steal`): the worst a wrongly stolen lock can do is send one
 * batch twice, which the collector stores once.
 */

/** The part of `LockManager` used here, so tests can pass their own. */
export interface Locks {
  request<T>(name: string, options: { signal?: AbortSignal; steal?: boolean }, fn: () => Promise<T>): Promise<T>;
}

export function lockWithSteal(locks: Locks, name: string, stealAfterMs: number): <T>(fn: () => Promise<T>) => Promise<T> {
  return async (fn) => {
    const waited = new AbortController();
    const timer = setTimeout(() => waited.abort(), stealAfterMs);
    let granted = false;
    try {
      return await locks.request(name, { signal: waited.signal }, () => {
        granted = true;
        clearTimeout(timer);
        return fn();
      });
    } catch (err) {
      // Only a wait that ran out is stolen past; an error of `fn` itself is the caller's.
      if (granted || !waited.signal.aborted) throw err;
      return locks.request(name, { steal: true }, fn);
    } finally {
      clearTimeout(timer);
    }
  };
}

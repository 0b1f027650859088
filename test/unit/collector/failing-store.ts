/**
 * A collector whose store fails every write, the way a full or broken disk does, until the test
 * heals it: for the "store fails → 503, nothing stored, the resend succeeds" cases. The store
 * underneath is the harness's real SQLite file, so what did or did not land can be read back.
 */
import type { CollectorOptions, EventStore } from '../../../src/collector/index.js';
import { createHarness, type Harness } from './harness.js';

export interface FailingStoreHarness extends Harness {
  /** From now on writes reach the store. */
  heal(): void;
}

export function createFailingStoreHarness(options: Partial<Omit<CollectorOptions, 'store'>> = {}): FailingStoreHarness {
  let failing = true;
  const harness = createHarness({
    ...options,
    wrapStore: (store): EventStore => ({
      ...store,
      insertBatch(events, manifest) {
        if (failing) throw new Error('disk I/O error');
        return store.insertBatch(events, manifest);
      },
    }),
  });
  return {
    ...harness,
    heal: () => {
      failing = false;
    },
  };
}

/**
 * Storing events within the storage budget. After each append the outbox is brought back under
 * its budget (evicting low priority first); when IndexedDB refuses a write for lack of quota, room
 * is made by evicting a tenth of what is queued, and the write is tried once more. A
 * QuotaExceededError never escapes as a crash: the caller gets a rejection it reports, and the
 * worker keeps the events and retries.
 */
import type { CallNumbers, Gate, PersistItem } from '../shared/protocol.js';
import type { DeliveryStack } from './delivery-stack.js';

export type Persist = (items: PersistItem[], counts?: Record<string, number>, gates?: Record<string, Gate>, calls?: CallNumbers) => Promise<number>;

function isQuotaError(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || (name === 'AbortError' && /quota/i.test(String((err as Error).message)));
}

export function createPersist(stack: Pick<DeliveryStack, 'outbox' | 'upkeep' | 'budget'>): Persist {
  return async (items, counts, gates, calls) => {
    let stored: number;
    try {
      stored = await stack.outbox.append(items, counts, gates, calls);
    } catch (err) {
      if (!isQuotaError(err)) throw err;
      const { events, bytes } = await stack.outbox.usage();
      await stack.upkeep.enforce({ maxEvents: Math.floor(events * 0.9), maxBytes: Math.floor(bytes * 0.9) });
      stored = await stack.outbox.append(items, counts, gates, calls);
    }
    await stack.upkeep.enforce(await stack.budget());
    return stored;
  };
}

import { describe, expect, it } from 'vitest';
import { lockWithSteal, type Locks } from '../../../src/outbox/delivery-lock.js';

/** One exclusive lock as the Web Locks API grants it: in order, abortable while waiting, stealable. */
function fakeLocks(): Locks & { steals: number } {
  let tail: Promise<unknown> = Promise.resolve();
  const state = { steals: 0 };
  return {
    get steals() {
      return state.steals;
    },
    request<T>(_name: string, options: { signal?: AbortSignal; steal?: boolean }, fn: () => Promise<T>): Promise<T> {
      if (options.steal) {
        state.steals++;
        const run = fn();
        tail = run.catch(() => undefined);
        return run;
      }
      const before = tail;
      const result = new Promise<T>((resolve, reject) => {
        let waiting = true;
        options.signal?.addEventListener('abort', () => {
          if (waiting) reject(new DOMException('lock request aborted', 'AbortError'));
        });
        void before.then(() => {
          if (options.signal?.aborted) return;
          waiting = false;
          fn().then(resolve, reject);
        });
      });
      tail = result.catch(() => undefined);
      return result;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lockWithSteal', () => {
  it('waits for a holder that lets go in time, and steals nothing', async () => {
    const locks = fakeLocks();
    const lock = lockWithSteal(locks, 'l', 200);
    const order: string[] = [];
    const first = lock(async () => {
      await sleep(30);
      order.push('first');
    });
    const second = lock(async () => void order.push('second'));
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    expect(locks.steals).toBe(0);
  });

  it('takes the lock over from a holder that never lets go', async () => {
    const locks = fakeLocks();
    const lock = lockWithSteal(locks, 'l', 40);
    void lock(() => new Promise<never>(() => undefined)); // hung: its storage was cleared under it
    expect(await lock(async () => 'delivered')).toBe('delivered');
    expect(locks.steals).toBe(1);
  });

  it("passes an error of the locked work on, without stealing", async () => {
    const locks = fakeLocks();
    const lock = lockWithSteal(locks, 'l', 40);
    await expect(lock(async () => Promise.reject(new Error('IndexedDB failed')))).rejects.toThrow('IndexedDB failed');
    expect(locks.steals).toBe(0);
  });
});

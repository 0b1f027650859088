import { describe, expect, it } from 'vitest';
import { createDropOldestQueue } from '../../../src/collector/live/queue.js';

describe('drop-oldest queue', () => {
  it('is first in, first out below its capacity', () => {
    const q = createDropOldestQueue<number>(3);
    q.push(1);
    q.push(2);
    expect(q.size).toBe(2);
    expect(q.shift()).toBe(1);
    q.push(3);
    q.push(4);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([2, 3, 4, undefined]);
    expect(q.takeDropped()).toBe(0);
  });

  it('keeps the newest items when full and counts the dropped ones until taken', () => {
    const q = createDropOldestQueue<number>(3);
    for (let i = 1; i <= 10; i++) q.push(i);
    expect(q.size).toBe(3);
    expect(q.takeDropped()).toBe(7);
    expect(q.takeDropped()).toBe(0);
    expect([q.shift(), q.shift(), q.shift()]).toEqual([8, 9, 10]);
    q.push(11);
    expect(q.shift()).toBe(11);
    expect(q.size).toBe(0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createDropOldestQueue(0)).toThrow(RangeError);
    expect(() => createDropOldestQueue(1.5)).toThrow(RangeError);
  });
});

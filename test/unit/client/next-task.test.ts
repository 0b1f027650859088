import { describe, expect, it } from 'vitest';
import { nextTask } from '../../../src/client/next-task.js';

const aWhile = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('nextTask', () => {
  it('runs the step after the current task and its microtasks, not during them', async () => {
    const order: string[] = [];
    nextTask(() => order.push('step'), () => order.push('failed'));
    queueMicrotask(() => order.push('microtask'));
    order.push('sync');
    await Promise.resolve();
    expect(order).toEqual(['sync', 'microtask']);
    await aWhile();
    expect(order).toEqual(['sync', 'microtask', 'step']);
  });

  it('runs steps in the order they were asked for', async () => {
    const order: number[] = [];
    for (let i = 0; i < 5; i++) nextTask(() => order.push(i), () => undefined);
    await aWhile();
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('hands what a step throws to `failed` instead of the page', async () => {
    const failures: unknown[] = [];
    const boom = new Error('boom');
    nextTask(() => {
      throw boom;
    }, (err) => failures.push(err));
    await aWhile();
    expect(failures).toEqual([boom]);
  });
});

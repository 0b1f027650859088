import { describe, expect, it, vi } from 'vitest';
import { createBatcher } from '../../../src/capture/batcher.js';

function batcher() {
  let due = 0;
  const b = createBatcher({
    maxEvents: 3,
    maxBytes: 100,
    maxWaitMs: 1000,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    due: () => due++,
  });
  return { b, due: () => due };
}

describe('batcher', () => {
  it('is due at the event count', () => {
    const { b, due } = batcher();
    b.added(1);
    b.added(1);
    expect(due()).toBe(0);
    b.added(1);
    expect(due()).toBe(1);
  });

  it('is due at the byte limit', () => {
    const { b, due } = batcher();
    b.added(60);
    b.added(40);
    expect(due()).toBe(1);
  });

  it('is due when the oldest event has waited long enough, and only once', () => {
    vi.useFakeTimers();
    const { b, due } = batcher();
    b.added(1);
    vi.advanceTimersByTime(500);
    b.added(1);
    vi.advanceTimersByTime(499);
    expect(due()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(due()).toBe(1);
    b.taken();
    vi.advanceTimersByTime(5000);
    expect(due()).toBe(1);
    vi.useRealTimers();
  });

  it('flushNow is due at once and cancels the timer', () => {
    vi.useFakeTimers();
    const { b, due } = batcher();
    b.added(1);
    b.flushNow();
    expect(due()).toBe(1);
    b.taken();
    vi.advanceTimersByTime(2000);
    expect(due()).toBe(1);
    vi.useRealTimers();
  });
});

import { describe, expect, it } from 'vitest';
import { createLogThrottle } from '../../../src/collector/log-throttle.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('log throttle', () => {
  it('logs the first of a key at once, then one line per interval saying how many were not logged', () => {
    const c = clock();
    const throttle = createLogThrottle({ now: c.now, intervalMs: 60_000, maxKeys: 10 });
    expect(throttle.take('a')).toEqual({ log: true, suppressed: 0 });
    for (let i = 0; i < 99; i++) expect(throttle.take('a')).toEqual({ log: false });
    // Another key is not held back by the first one's flood.
    expect(throttle.take('b')).toEqual({ log: true, suppressed: 0 });
    c.advance(59_999);
    expect(throttle.take('a')).toEqual({ log: false });
    c.advance(1);
    expect(throttle.take('a')).toEqual({ log: true, suppressed: 100 });
    expect(throttle.take('a')).toEqual({ log: false });
  });

  it('keeps at most maxKeys keys: made-up keys beyond share one entry until old ones run out', () => {
    const c = clock();
    const throttle = createLogThrottle({ now: c.now, intervalMs: 60_000, maxKeys: 3 });
    const logged = (key: string) => throttle.take(key).log;
    expect(['k1', 'k2', 'k3'].map(logged)).toEqual([true, true, true]);
    // The map is full of keys inside their interval: new keys are throttled together.
    expect(['k4', 'k5', 'k6'].map(logged)).toEqual([true, false, false]);
    c.advance(60_000);
    // The old keys ran out and are forgotten: new keys get entries of their own again.
    expect(['k7', 'k8', 'k9'].map(logged)).toEqual([true, true, true]);
    expect(['k7', 'k8', 'k9'].map(logged)).toEqual([false, false, false]);
  });
});

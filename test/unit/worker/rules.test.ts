import { describe, expect, it, vi } from 'vitest';
import { createRuleGate } from '../../../src/capture/rules.js';

function gate(rules: Record<string, { debounceMs?: number; throttleMs?: number }>) {
  let t = 0;
  const passed: string[] = [];
  const dropped: string[] = [];
  const g = createRuleGate<string>({
    rules,
    now: () => t,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    pass: (item) => passed.push(item),
    onDrop: (item, verdict) => dropped.push(`${item}:${verdict}`),
  });
  return { g, passed, dropped, advance: (ms: number) => (t += ms) };
}

describe('rule gate', () => {
  it('passes names without a rule at once', () => {
    const { g, passed } = gate({ search: { debounceMs: 100 } });
    g.admit('click', 'a');
    g.admit(undefined, 'b');
    expect(passed).toEqual(['a', 'b']);
  });

  it('debounce keeps the last call of a burst and drops the others', () => {
    vi.useFakeTimers();
    const { g, passed, dropped } = gate({ search: { debounceMs: 100 } });
    g.admit('search', 'r');
    vi.advanceTimersByTime(50);
    g.admit('search', 'ra');
    vi.advanceTimersByTime(50);
    g.admit('search', 'rain');
    expect(passed).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(passed).toEqual(['rain']);
    expect(dropped).toEqual(['r:debounced', 'ra:debounced']);
    vi.useRealTimers();
  });

  it('release() lets held calls go at once (the page is hiding)', () => {
    vi.useFakeTimers();
    const { g, passed } = gate({ search: { debounceMs: 10_000 } });
    g.admit('search', 'q');
    g.release();
    expect(passed).toEqual(['q']);
    vi.advanceTimersByTime(20_000);
    expect(passed).toEqual(['q']); // not twice
    vi.useRealTimers();
  });

  it('throttle keeps the first call of each window and drops the rest', () => {
    const { g, passed, dropped, advance } = gate({ slider: { throttleMs: 500 } });
    g.admit('slider', '0');
    advance(100);
    g.admit('slider', '1');
    advance(399);
    g.admit('slider', '2');
    advance(1);
    g.admit('slider', '3');
    expect(passed).toEqual(['0', '3']);
    expect(dropped).toEqual(['1:throttled', '2:throttled']);
  });
});

/**
 * Debounce and throttle rules per event name, so high-frequency actions (a search box, a slider,
 * resize) are not over-counted. Debounce keeps the last call of a burst: each new call replaces
 * the held one, which is dropped; the held call goes on once the name has been quiet for
 * `debounceMs`. Throttle keeps the first: later calls within `throttleMs` are dropped. Every drop
 * is reported, so the page's count of unsettled calls still reaches zero.
 */
import type { EventRule } from '../shared/protocol.js';

export type Verdict = 'debounced' | 'throttled';

export interface RuleGate<T> {
  /** Passes `item` on now, later (debounce), or drops it (reported through `onDrop`). */
  admit(name: string | undefined, item: T): void;
  /** Lets every held item go now (the page is hiding). */
  release(): void;
}

export interface RuleGateDeps<T> {
  rules: Record<string, EventRule>;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  pass: (item: T) => void;
  onDrop: (item: T, verdict: Verdict) => void;
}

export function createRuleGate<T>(deps: RuleGateDeps<T>): RuleGate<T> {
  const held = new Map<string, { item: T; timer: unknown }>();
  const lastPassed = new Map<string, number>();

  function releaseHeld(name: string): void {
    const entry = held.get(name);
    if (!entry) return;
    held.delete(name);
    deps.pass(entry.item);
  }

  return {
    admit(name, item) {
      const rule = name === undefined ? undefined : deps.rules[name];
      if (!rule || name === undefined) return deps.pass(item);
      if (rule.throttleMs) {
        const t = deps.now();
        const last = lastPassed.get(name);
        if (last !== undefined && t - last < rule.throttleMs) return deps.onDrop(item, 'throttled');
        lastPassed.set(name, t);
      }
      if (!rule.debounceMs) return deps.pass(item);
      const previous = held.get(name);
      if (previous) {
        deps.clearTimeout(previous.timer);
        deps.onDrop(previous.item, 'debounced');
      }
      held.set(name, { item, timer: deps.setTimeout(() => releaseHeld(name), rule.debounceMs) });
    },
    release() {
      for (const [name, entry] of [...held]) {
        deps.clearTimeout(entry.timer);
        releaseHeld(name);
      }
    },
  };
}

/**
 * The consent rules every enforcement point shares, as pure functions: the worker when it captures,
 * the outbox when it stores and when the deliverer peeks, and a withdrawal's purge. A purpose is
 * granted (`true`), denied (`false`) or undecided (absent).
 */
import type { ConsentState, Gate } from './protocol.js';

/** Whether any of `needs` is denied. */
export function deniesAny(consent: ConsentState | null | undefined, needs: readonly string[]): boolean {
  return needs.some((purpose) => consent?.[purpose] === false);
}

/** Whether every one of `needs` is granted. */
export function grantsAll(consent: ConsentState | null | undefined, needs: readonly string[]): boolean {
  return needs.every((purpose) => consent?.[purpose] === true);
}

/**
 * May an event with this gate leave now? Ungated events (no `consent` configuration) always may;
 * an anonymous one while none of its purposes is denied; any other only when all are granted, and a
 * held one (`until`) only within its buffer time.
 */
export function deliverable(gate: Gate | null | undefined, consent: ConsentState | null | undefined, now: number): boolean {
  if (!gate) return true;
  if (gate.until !== undefined && now > gate.until) return false;
  return gate.anonymous ? !deniesAny(consent, gate.needs) : grantsAll(consent, gate.needs);
}

/** Purposes `update` denies that were not denied before: their queued events go, identifiers reset. */
export function withdrawn(before: ConsentState | null | undefined, update: ConsentState): string[] {
  return Object.keys(update).filter((purpose) => update[purpose] === false && before?.[purpose] !== false);
}

/** Purposes `update` grants that were not granted before: held events may be released. */
export function granted(before: ConsentState | null | undefined, update: ConsentState): string[] {
  return Object.keys(update).filter((purpose) => update[purpose] === true && before?.[purpose] !== true);
}

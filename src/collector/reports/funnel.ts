/**
 * Funnels over a session's events. The definition every engine follows: step 1 is reached at the
 * session's first event of that name; step n at its first event of that name at or after the
 * moment step n−1 was reached. Steps are distinct names, so no event serves two steps.
 * `countFunnel` is the reference (engines answer the same from their own queries; the unit tests
 * hold it to known answers).
 */
import type { FunnelReport } from '../../shared/reports.js';

export interface FunnelEvent {
  session: string;
  event: string;
  /** Capture time, epoch ms. */
  ts: number;
}

/** Sessions reaching each step, for events in any order. */
export function countFunnel(events: readonly FunnelEvent[], steps: readonly string[]): number[] {
  const bySession = new Map<string, FunnelEvent[]>();
  for (const e of events) {
    const list = bySession.get(e.session);
    if (list) list.push(e);
    else bySession.set(e.session, [e]);
  }
  const reached = steps.map(() => 0);
  for (const list of bySession.values()) {
    let at = -Infinity;
    for (let i = 0; i < steps.length; i++) {
      let first = Infinity;
      for (const e of list) if (e.event === steps[i] && e.ts >= at && e.ts < first) first = e.ts;
      if (first === Infinity) break;
      reached[i]++;
      at = first;
    }
  }
  return reached;
}

/** The report's step rows: conversion from the previous step and from the first. */
export function funnelSteps(steps: readonly string[], reached: readonly number[]): FunnelReport['steps'] {
  return steps.map((event, i) => ({
    event,
    sessions: reached[i],
    fromPrevious: i === 0 ? (reached[0] > 0 ? 1 : 0) : reached[i - 1] === 0 ? 0 : reached[i] / reached[i - 1],
    fromStart: reached[0] === 0 ? 0 : reached[i] / reached[0],
  }));
}

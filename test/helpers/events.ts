/** Wire events for unit tests. */
import type { WireEvent } from '../../src/shared/event.js';

export function makeEvent(messageId: string, overrides: Partial<WireEvent> = {}): WireEvent {
  return {
    type: 'track',
    event: 'product_viewed',
    properties: { product_id: 'sku-1' },
    messageId,
    anonymousId: 'anon-1',
    timestamp: '2026-11-28T12:00:00.000Z',
    context: { channel: 'browser', library: { name: 'homing', version: '0.1.0' } },
    ...overrides,
  };
}

/** Session rules as configured by default. */
export const SESSION = { idleMs: 30 * 60_000, maxMs: 24 * 3_600_000 };

/** Predictable session ids: s1, s2, ... */
export function sessionIds(): () => string {
  let n = 0;
  return () => `s${++n}`;
}

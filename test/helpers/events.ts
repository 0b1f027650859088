/**
 * The one event factory of the tests: wire events as Homing's service worker sends them, for the
 * unit tests (in-process) and the integration tests (posted to a real collector) alike.
 */
import { randomFillSync } from 'node:crypto';
import type { WireEvent } from '../../src/shared/event.js';
import { createUuidV7 } from '../../src/shared/uuid-v7.js';

/** 2026-11-28T12:00:10.000Z: the collector's clock in tests, ten seconds after the events' `timestamp`. */
export const NOW = Date.parse('2026-11-28T12:00:10.000Z');

const nextId = createUuidV7((bytes) => randomFillSync(bytes));

/** A fresh UUIDv7, as the client mints them. */
export function newId(): string {
  return nextId(Date.now());
}

/** A valid `track` event as Homing's service worker sends it; a fresh UUIDv7 unless `overrides` names one. */
export function wireEvent(overrides: Partial<WireEvent> = {}): WireEvent {
  return {
    type: 'track',
    event: 'product_viewed',
    properties: { product_id: 'sku-1', price: 12.5 },
    messageId: newId(),
    anonymousId: 'anon-1',
    timestamp: '2026-11-28T12:00:00.000Z',
    context: {
      channel: 'browser',
      library: { name: 'homing', version: '0.1.0' },
      page: { url: 'https://shop.example/p/1?utm_source=news', path: '/p/1', search: '?utm_source=news', title: 'P1', referrer: '' },
      campaign: { source: 'news', medium: 'email', name: 'spring' },
      homing: { seq: 1, sessionId: 'sess-1', sessionSeq: 1 },
    },
    ...overrides,
  };
}

/**
 * The same event with a given id and a minimal context (no page, campaign or session), as the
 * outbox and pipeline tests store and send them.
 */
export function makeEvent(messageId: string, overrides: Partial<WireEvent> = {}): WireEvent {
  return wireEvent({
    messageId,
    properties: { product_id: 'sku-1' },
    context: { channel: 'browser', library: { name: 'homing', version: '0.1.0' } },
    ...overrides,
  });
}

/** Session rules as configured by default. */
export const SESSION = { idleMs: 30 * 60_000, maxMs: 24 * 3_600_000 };

/** Predictable session ids: s1, s2, ... */
export function sessionIds(): () => string {
  let n = 0;
  return () => `s${++n}`;
}

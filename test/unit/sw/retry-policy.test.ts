import { describe, expect, it } from 'vitest';
import { backoffMs, classifyResponse, parseRetryAfter } from '../../../src/outbox/retry-policy.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

describe('classifyResponse', () => {
  it.each([
    [200, null, { kind: 'receipts' }],
    [207, null, { kind: 'receipts' }],
    [0, null, { kind: 'retry', unreachable: true }],
    [0, '9', { kind: 'retry', unreachable: true }],
    [500, null, { kind: 'retry' }],
    [502, null, { kind: 'retry' }],
    [503, null, { kind: 'retry' }],
    [503, '7', { kind: 'retry', afterMs: 7000 }],
    [429, '2', { kind: 'retry', afterMs: 2000 }],
    [429, null, { kind: 'retry' }],
    [408, null, { kind: 'retry' }],
    [500, '9', { kind: 'retry' }], // Retry-After only counts on 429 and 503
    [413, null, { kind: 'split' }],
    [400, null, { kind: 'reject', code: 'http-400' }],
    [401, null, { kind: 'reject', code: 'http-401' }],
    [403, null, { kind: 'reject', code: 'http-403' }],
    [404, null, { kind: 'reject', code: 'http-404' }],
    [422, null, { kind: 'reject', code: 'http-422' }],
  ] as const)('status %i, Retry-After %s → %j', (status, retryAfter, expected) => {
    expect(classifyResponse(status, retryAfter, NOW)).toEqual(expected);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('grows exponentially between base and the cap, jittered by the random source', () => {
    expect(backoffMs(0, 1000, 300_000, () => 0.999)).toBe(1000);
    expect(backoffMs(3, 1000, 300_000, () => 0)).toBe(1000);
    expect(backoffMs(3, 1000, 300_000, () => 0.5)).toBe(1000 + 3500);
    expect(backoffMs(3, 1000, 300_000, () => 0.999999)).toBeLessThan(8000);
    expect(backoffMs(50, 1000, 300_000, () => 0.999999)).toBeLessThan(300_000);
    expect(backoffMs(50, 1000, 300_000, () => 0.999999)).toBeGreaterThan(299_000);
  });
});

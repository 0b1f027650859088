import { describe, expect, it } from 'vitest';
import { decodeBatch, emptyBatch, messageId, type CaptureView } from '../../../src/shared/capture-batch.js';
import { UUID_V7, uuidV7Time } from '../../../src/shared/uuid-v7.js';

const seed = [0xabc, 0x1234567, 0x89abcdef];
const T = Date.UTC(2026, 11, 7, 10, 0, 0, 123);
const view: CaptureView = { page: { url: 'https://shop.test/p', path: '/p', search: '', title: 'P', referrer: '' }, viewport: { width: 800, height: 600 } };

describe('messageId: derived from the page seed, the call number and its time', () => {
  it('is a UUIDv7 of the call time, with the seed in its random fields', () => {
    const id = messageId(seed, 0, T);
    expect(id).toMatch(UUID_V7);
    expect(uuidV7Time(id)).toBe(T);
    expect(id.slice(14, 18)).toBe('7abc'); // version, then rand_a = the seed's 12 bits
    expect(messageId(seed, 0, T)).toBe(id); // the page (tail) and the worker name a call alike
  });

  it('increases with the call number within one millisecond, and with the time across them', () => {
    const ids = Array.from({ length: 20_000 }, (_, n) => messageId(seed, n, T));
    for (let n = 1; n < ids.length; n++) expect(ids[n] > ids[n - 1]).toBe(true);
    expect(messageId(seed, 0, T + 1) > messageId(seed, 19_999, T)).toBe(true);
  });

  it('carries past the seed words without breaking the variant or the order', () => {
    const edge = [0xfff, 0x1fffffff, 0xffffffff];
    const a = messageId(edge, 0, T);
    const b = messageId(edge, 1, T);
    expect(a).toMatch(UUID_V7);
    expect(b).toMatch(UUID_V7);
    expect(b > a).toBe(true);
    expect(messageId(edge, 2 ** 40, T)).toMatch(UUID_V7);
  });

  it('differs between pages: each draws its own 73 random bits (as the page does, bridge.ts)', () => {
    const ids = Array.from({ length: 1000 }, () => messageId(crypto.getRandomValues(new Uint32Array(3)), 0, T));
    expect(new Set(ids).size).toBe(1000);
  });
});

describe('decodeBatch', () => {
  it('makes the calls the page queued, in order, numbered from the batch start, each with the page view it saw', () => {
    const next: CaptureView = { page: { ...view.page, url: 'https://shop.test/cart', path: '/cart' }, viewport: view.viewport };
    const batch = emptyBatch(seed, 40);
    batch.ts.push(T, T + 1, T + 2);
    batch.calls.push('add_to_cart', { sku: 'a' }, { type: 'identify', userId: 'u1', traits: { plan: 'pro' } }, undefined, 'checkout', undefined);
    batch.views.push(0, view, 2, next);
    expect(decodeBatch(batch)).toEqual([
      { type: 'track', event: 'add_to_cart', properties: { sku: 'a' }, messageId: messageId(seed, 40, T), ts: T, page: view.page, viewport: view.viewport, n: 40 },
      { type: 'identify', userId: 'u1', traits: { plan: 'pro' }, messageId: messageId(seed, 41, T + 1), ts: T + 1, page: view.page, viewport: view.viewport, n: 41 },
      { type: 'track', event: 'checkout', properties: undefined, messageId: messageId(seed, 42, T + 2), ts: T + 2, page: next.page, viewport: next.viewport, n: 42 },
    ]);
  });

  it('skips a call dropped on the page; the others keep their numbers', () => {
    const batch = emptyBatch(seed, 0);
    batch.ts.push(T, T, T);
    batch.calls.push('a', undefined, null, null, 'c', undefined);
    batch.views.push(0, view);
    expect(decodeBatch(batch).map((c) => [c.event, c.messageId])).toEqual([
      ['a', messageId(seed, 0, T)],
      ['c', messageId(seed, 2, T)],
    ]);
  });
});

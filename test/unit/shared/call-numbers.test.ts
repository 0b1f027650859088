import { describe, expect, it } from 'vitest';
import { messageId } from '../../../src/shared/capture-batch.js';
import { addNumber, hasNumber, mergeRanges, pageKey } from '../../../src/shared/call-numbers.js';

const T = Date.UTC(2026, 11, 7, 10, 0, 0, 123);

describe('pageKey: the page of a call, from its messageId and its number', () => {
  it('is the same for every call of one page, whatever the time, across the 32-bit carry', () => {
    const seed = [0xabc, 0x1fffffff, 0xfffffff0]; // the low word overflows at n = 16
    const key = pageKey(messageId(seed, 0, T), 0);
    for (const n of [1, 15, 16, 17, 1_000_000]) expect(pageKey(messageId(seed, n, T + n), n)).toBe(key);
  });

  it('differs between pages, even when they differ in one seed bit only', () => {
    const a = pageKey(messageId([1, 2, 3], 5, T), 5);
    expect(pageKey(messageId([1, 2, 4], 5, T), 5)).not.toBe(a);
    expect(pageKey(messageId([2, 2, 3], 5, T), 5)).not.toBe(a);
    expect(pageKey(messageId([1, 3, 3], 5, T), 5)).not.toBe(a);
  });
});

describe('call number ranges', () => {
  it('adds numbers in and out of order into as few half-open ranges as they allow', () => {
    let r: number[] = [];
    for (const n of [0, 1, 2, 5, 3, 7, 6]) r = addNumber(r, n);
    expect(r).toEqual([0, 4, 5, 8]);
    r = addNumber(r, 4);
    expect(r).toEqual([0, 8]);
    expect(addNumber(r, 3)).toEqual([0, 8]);
  });

  it('answers membership at the edges', () => {
    const r = [2, 4, 10, 11];
    expect([1, 2, 3, 4, 9, 10, 11].map((n) => hasNumber(r, n))).toEqual([false, true, true, false, false, true, false]);
    expect(hasNumber([], 0)).toBe(false);
  });

  it('merges two lists, overlapping or touching', () => {
    expect(mergeRanges([0, 3, 10, 12], [2, 5, 12, 13, 20, 21])).toEqual([0, 5, 10, 13, 20, 21]);
    expect(mergeRanges([], [])).toEqual([]);
  });
});

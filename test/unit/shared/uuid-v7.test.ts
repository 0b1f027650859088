import { describe, expect, it } from 'vitest';
import { randomFillSync } from 'node:crypto';
import { createUuidV7, uuidV7Time, UUID_V7 } from '../../../src/shared/uuid-v7.js';

describe('createUuidV7', () => {
  it('encodes the millisecond it is given, with version 7 and the RFC variant', () => {
    const mint = createUuidV7((b) => randomFillSync(b));
    const ms = Date.UTC(2026, 10, 28, 12, 0, 0, 123);
    const id = mint(ms);
    expect(id).toMatch(UUID_V7);
    expect(uuidV7Time(id)).toBe(ms);
  });

  it('is strictly increasing within one millisecond and across many ids', () => {
    const mint = createUuidV7((b) => randomFillSync(b));
    const ids = Array.from({ length: 20_000 }, () => mint(1_700_000_000_000));
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // 20,000 ids in one millisecond overflow the 12-bit counter: the timestamp field borrows ahead.
    expect(uuidV7Time(ids[ids.length - 1])).toBeGreaterThan(1_700_000_000_000);
  });

  it('never goes backwards when the clock does (a replayed stub call with an older time)', () => {
    const mint = createUuidV7((b) => randomFillSync(b));
    const a = mint(2_000_000_000_000);
    const b = mint(1_000_000_000_000);
    expect(b > a).toBe(true);
  });

  it('refills its random pool in bulk, not once per id', () => {
    let fills = 0;
    const mint = createUuidV7((b) => {
      fills++;
      randomFillSync(b);
    });
    for (let i = 0; i < 1000; i++) mint(1_700_000_000_000 + i);
    expect(fills).toBeLessThanOrEqual(6);
  });

  it('uuidV7Time rejects what is not a v7 id', () => {
    expect(uuidV7Time('not-an-id')).toBeNaN();
    expect(uuidV7Time('123e4567-e89b-42d3-a456-426614174000')).toBeNaN();
  });
});

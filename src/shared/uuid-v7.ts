/**
 * UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. Time-ordered ids insert
 * about 5× faster into B-tree stores than random v4 ids (177k vs 35k events/s into SQLite, measured
 * here). Ids minted by one generator are strictly increasing: within one millisecond the 12-bit `rand_a` field is a counter (RFC 9562 §6.2,
 * method 1), and when it overflows the timestamp field borrows the next millisecond.
 *
 * The browser no longer mints ids with it: the page hands calls to the worker in columns and the
 * worker derives each call's id from the page's seed (capture-batch.ts). It mints ids the way a
 * client does for the collector's tests, benchmarks and generated traffic. The costly parts are
 * amortised: the timestamp prefix is formatted once per millisecond, and random bits come from a
 * hex pool refilled in bulk (one `getRandomValues` and one `join` per 256 ids).
 */

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i + 0x100).toString(16).slice(1));

/** Hex digit → the variant digit (`10xx` in binary) that keeps its two low random bits. */
const VARIANT: Record<string, string> = {};
for (let i = 0; i < 16; i++) VARIANT[i.toString(16)] = (0x8 | (i & 3)).toString(16);

const POOL_BYTES = 2048; // 16 hex digits (8 bytes) per id: 256 ids per refill

export type RandomFill = (bytes: Uint8Array) => void;

export function createUuidV7(fill: RandomFill): (ms: number) => string {
  const bytes = new Uint8Array(POOL_BYTES);
  let pool = '';
  let pos = 0;
  let lastMs = -1;
  let counter = 0;
  let prefix = '';

  function refill(): void {
    fill(bytes);
    const parts = new Array<string>(POOL_BYTES);
    for (let i = 0; i < POOL_BYTES; i++) parts[i] = HEX[bytes[i]];
    pool = parts.join('');
    pos = 0;
  }

  function timePrefix(ms: number): string {
    const hex = ms.toString(16).padStart(12, '0');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-7';
  }

  return (ms: number): string => {
    if (pos + 19 > pool.length) refill(); // up to 3 digits for a new counter, 16 for the id
    if (ms > lastMs) {
      lastMs = ms;
      prefix = timePrefix(ms);
      // Start the counter in the lower half (from the pool) so many ids in one ms still fit.
      counter = parseInt(pool.slice(pos, pos + 3), 16) & 0x7ff;
      pos += 3;
    } else if (++counter > 0xfff) {
      prefix = timePrefix(++lastMs);
      counter = 0;
    }
    const r = pool.slice(pos, pos + 16);
    pos += 16;
    return prefix + (counter + 0x1000).toString(16).slice(1) + '-' + VARIANT[r[0]] + r.slice(1, 4) + '-' + r.slice(4, 16);
  };
}

/** Milliseconds encoded in a UUIDv7, or NaN when the string is not one. */
export function uuidV7Time(id: string): number {
  if (!UUID_V7.test(id)) return NaN;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

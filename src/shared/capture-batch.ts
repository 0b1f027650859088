/**
 * How the page hands its calls to the worker: one batch per burst, in columns, and no messageId
 * minted on the page. On a fresh page the first 10,000 `track()` calls cost 9.6-11 µs each
 * (Chromium, 1×), against the 2 µs budget: a third in minting a UUIDv7 string per call (string
 * pieces that the garbage collector then copies, and that the structured clone flattens), a third
 * in cloning one 8-key object per call in the hand-off, the rest in making those objects while the
 * code is still cold. In columns a call is four array pushes, and the clone writes no keys per call.
 *
 * The worker makes the `Capture` objects (`decodeBatch`) and their messageIds. An id is derived, not
 * drawn: from the page's seed (74 random bits, drawn once per page), the call's number on the page
 * and its time, so the page can name the same ids for the calls it hands to the service worker on
 * `pagehide` (bridge.ts `tail()`), and the SW keeps once what the worker already stored.
 */
import type { PageContext, Properties } from './event.js';
import type { Capture } from './protocol.js';

/** What a call carries besides its time, page and id: all of it for the rarer verbs. */
export type CallFields = Omit<Capture, 'messageId' | 'ts' | 'page' | 'viewport'>;

/** The page as a call saw it (client/page-context.ts): one object per page view, shared by its calls. */
export interface CaptureView {
  page: PageContext;
  viewport?: { width: number; height: number };
}

/** Three random 32-bit words: 12 bits for `rand_a`, 29 + 32 for the start of `rand_b`. */
export type IdSeed = ArrayLike<number>;

export interface CaptureBatch {
  seed: IdSeed;
  /** The number of the batch's first call on the page, from 0; the others follow one by one. */
  first: number;
  /** Epoch ms at capture, per call. */
  ts: number[];
  /** A `track` call's event name, or another call's own fields; null for a call dropped on the page. */
  call: Array<string | CallFields | null>;
  /** A `track` call's properties (the other verbs carry theirs in their fields). */
  properties: Array<Properties | undefined | null>;
  /** The same object for every call of a page view, which the structured clone copies once. */
  view: CaptureView[];
}

export function emptyBatch(seed: IdSeed, first: number): CaptureBatch {
  return { seed, first, ts: [], call: [], properties: [], view: [] };
}

export function decodeBatch(batch: CaptureBatch): Capture[] {
  const calls: Capture[] = [];
  for (let i = 0; i < batch.ts.length; i++) {
    const call = batch.call[i];
    if (call === null) continue;
    const fields: CallFields = typeof call === 'string' ? { type: 'track', event: call, properties: batch.properties[i] as Properties | undefined } : call;
    const ts = batch.ts[i];
    const view = batch.view[i];
    calls.push({ ...fields, messageId: messageId(batch.seed, batch.first + i, ts), ts, page: view.page, viewport: view.viewport });
  }
  return calls;
}

const TWO_32 = 2 ** 32;
const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0');

/**
 * A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix ms, version 7, then `rand_a` = the seed's 12 bits and
 * `rand_b` = the seed's 61 bits plus the call's number `n`. Ids of one page are distinct (distinct
 * `n`) and increase with `n` within a millisecond (RFC 9562 §6.2 method 2, incremented by one; the
 * seed's top `rand_b` bit is 0, so adding `n` < 2^53 never wraps); another page's ids differ by
 * their 73 random bits.
 */
export function messageId(seed: IdSeed, n: number, ts: number): string {
  const low = (seed[2] >>> 0) + n;
  const carry = Math.floor(low / TWO_32);
  const high = 0x80000000 + (seed[1] & 0x1fffffff) + carry; // variant 10, then rand_b's 30 high bits
  const time = hex(ts, 12); // Date.now(): a whole number, 12 hex digits until the year 10889
  const top = high.toString(16);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(seed[0] & 0xfff, 3)}-${top.slice(0, 4)}-${top.slice(4)}${hex(low - carry * TWO_32, 8)}`;
}

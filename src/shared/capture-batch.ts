/**
 * How the page hands its calls to the worker: one batch per burst, in columns, and no messageId
 * minted on the page. A fresh page's first 10,000 `track()` calls cost 10.9 µs each with the
 * hand-off (bench/startup.ts, Chromium, 1×; the budget is 2 µs); a CPU profile of them had 36 ms in
 * the hand-off's structured clone (one 8-key object and one UUIDv7 string per call), 29 ms in the
 * garbage collector (the ids' string pieces and the call objects, all alive until the hand-off) and
 * most of the rest minting and building them while the code was still cold. In columns a call is
 * two array pushes (its page view only when that changes) and the clone writes no keys and no ids
 * per call: 2.2 µs.
 *
 * The worker makes the `Capture` objects (`decodeBatch`) and their messageIds. An id is derived, not
 * drawn: from the page's seed (73 random bits, drawn once per page), the call's number on the page
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
  /**
   * Two entries per call (one push of two values on the page): a `track`'s event name and its
   * properties, or another verb's own fields and undefined; null and null for a call dropped on
   * the page.
   */
  calls: Array<string | CallFields | Properties | undefined | null>;
  /**
   * The page views, each after the index of the first call that saw it: `[0, view, 120, next]`.
   * A view changes with the URL or the title (page-context.ts), not per call.
   */
  views: Array<number | CaptureView>;
}

export function emptyBatch(seed: IdSeed, first: number): CaptureBatch {
  return { seed, first, ts: [], calls: [], views: [] };
}

export function decodeBatch(batch: CaptureBatch): Capture[] {
  const calls: Capture[] = [];
  const { views } = batch;
  let view = views[1] as CaptureView;
  for (let i = 0, v = 1; i < batch.ts.length; i++) {
    if (views[v + 1] === i) view = views[(v += 2)] as CaptureView;
    const call = batch.calls[2 * i] as string | CallFields | null;
    if (call === null) continue;
    const fields: CallFields = typeof call === 'string' ? { type: 'track', event: call, properties: batch.calls[2 * i + 1] as Properties | undefined } : call;
    const ts = batch.ts[i];
    const n = batch.first + i;
    calls.push({ ...fields, messageId: messageId(batch.seed, n, ts), ts, page: view.page, viewport: view.viewport, n });
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
 * their 73 random bits. A clock set back mid-page gives later calls smaller ids: still distinct,
 * only the stores' insert order suffers.
 */
export function messageId(seed: IdSeed, n: number, ts: number): string {
  const low = (seed[2] >>> 0) + n;
  const carry = Math.floor(low / TWO_32);
  const high = 0x80000000 + (seed[1] & 0x1fffffff) + carry; // variant 10, then rand_b's 30 high bits
  // ts: Date.now(), a whole number of 12 hex digits until the year 10889.
  const digits = hex(ts, 12) + '7' + hex(seed[0] & 0xfff, 3) + high.toString(16) + hex(low - carry * TWO_32, 8);
  return digits.replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}

/**
 * Which of a page's calls the outbox has already taken, by their numbers on the page.
 *
 * A page hands its unsettled calls to the service worker when it is hidden or closes
 * (client/bridge.ts `tail()`), and that tail can hold calls the worker already persisted, and the
 * SW already delivered and deleted: the outbox no longer has their ids, and appending them again
 * gave them a second device sequence number, one the collector never receives (a loss the loss
 * audit reported with nothing lost). The same race runs the other way when a page that was only
 * hidden lives on and its worker persists what the hand-off stored. So the outbox remembers, per
 * page, the numbers of the calls it has taken or that were settled without an event (dropped by the
 * worker's rules), in the same transaction that stores them, and takes no number twice.
 *
 * Numbers are kept as sorted, disjoint, half-open ranges `[from0, to0, from1, to1, …]`: calls
 * settle almost in order, so a page's record stays a few numbers long.
 */

/**
 * The page a call was made on, from its messageId and its number there: a messageId's last 64 bits
 * are the page's seed plus the number (capture-batch.ts `messageId`), so subtracting the number
 * leaves the same key for every call of one page. Runs in the worker and the SW, never on the page.
 */
export function pageKey(messageId: string, n: number): string {
  const hex = messageId.replace(/-/g, '');
  return hex.slice(13, 16) + (BigInt('0x' + hex.slice(16)) - BigInt(n)).toString(16);
}

export function hasNumber(ranges: readonly number[], n: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) {
    if (n < ranges[i]) return false;
    if (n < ranges[i + 1]) return true;
  }
  return false;
}

/** `ranges` with `n` added (a new array; the input is left as it was). */
export function addNumber(ranges: readonly number[], n: number): number[] {
  return mergeRanges(ranges, [n, n + 1]);
}

/** The union of two range lists. */
export function mergeRanges(a: readonly number[], b: readonly number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (const list of [a, b]) for (let i = 0; i < list.length; i += 2) pairs.push([list[i], list[i + 1]]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [from, to] of pairs) {
    if (out.length > 0 && from <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], to);
    else out.push(from, to);
  }
  return out;
}

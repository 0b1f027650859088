/**
 * Token buckets, one per key (a client IP, an API key): each holds up to `burst` tokens and refills
 * at `perSecond`; a request takes one. Tokens are computed lazily from the time of the last take,
 * so an idle key costs nothing but its map entry.
 *
 * Memory is bounded: past `maxKeys` entries, buckets that have refilled completely (clients that
 * went quiet) are dropped first, then the oldest entries. A dropped key simply starts again with a
 * full bucket, which only ever errs towards letting a request through.
 */

export interface RateLimitRule {
  /** Sustained rate; 0 turns the limit off. */
  perSecond: number;
  /** Most requests at once after a quiet period. */
  burst: number;
}

export interface RateLimiter {
  /**
   * Takes a token for `key`: 0 when the request may go ahead, otherwise how many whole seconds to
   * wait for the next token (the `Retry-After` value, at least 1).
   */
  take(key: string, nowMs: number): number;
  /** Keys currently tracked. */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(rule: RateLimitRule, maxKeys = 100_000): RateLimiter {
  const { perSecond, burst } = rule;
  const buckets = new Map<string, Bucket>();

  function evict(nowMs: number): void {
    for (const [key, b] of buckets) {
      if (b.tokens + ((nowMs - b.at) * perSecond) / 1000 >= burst) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size <= maxKeys * 0.9) break;
      buckets.delete(key);
    }
  }

  return {
    take(key, nowMs) {
      if (perSecond <= 0) return 0;
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) evict(nowMs);
        b = { tokens: burst, at: nowMs };
        buckets.set(key, b);
      } else {
        b.tokens = Math.min(burst, b.tokens + (Math.max(0, nowMs - b.at) * perSecond) / 1000);
        b.at = nowMs;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
    },
    size: () => buckets.size,
  };
}

/**
 * At most one log line per key (an origin, say) per interval, for refusals that a client can repeat
 * thousands of times a second: a foreign page's beacons, or a site left out of `--origins`. The
 * first refusal of a key is logged at once, so a misconfiguration shows up on the first request;
 * the ones after it within the interval are counted, and the next line of that key says how many
 * were not logged. Nothing is dropped silently, and a flood costs a map lookup, not a log line.
 *
 * Keys are tracked up to `maxKeys` (a flood with a new Origin on every request must not grow the
 * map without bound): when it is full, keys whose interval has run out are forgotten (at most once
 * per interval, so a flood does not scan the map on every request), and while it stays full, new
 * keys share one entry: each logged as itself, but throttled together. So a flood of made-up keys
 * writes at most about `maxKeys` lines per interval. A forgotten key's unlogged count is lost to
 * the log only: callers count every refusal too (the collector's `originRefused`).
 */

export interface LogThrottleOptions {
  /** Epoch ms. */
  now: () => number;
  /** Shortest time between two lines of one key. */
  intervalMs: number;
  maxKeys: number;
}

/** `log`: write a line now, saying that `suppressed` earlier ones of this key were not written. */
export type ThrottleVerdict = { log: false } | { log: true; suppressed: number };

interface Entry {
  lastLineAt: number;
  suppressed: number;
}

export interface LogThrottle {
  take(key: string): ThrottleVerdict;
}

const SKIP: ThrottleVerdict = { log: false };

export function createLogThrottle(options: LogThrottleOptions): LogThrottle {
  const { now, intervalMs, maxKeys } = options;
  const entries = new Map<string, Entry>();
  // The entry keys share once the map is full of keys still inside their interval.
  const shared: Entry = { lastLineAt: -Infinity, suppressed: 0 };
  let prunedAt = -Infinity;

  function entryFor(key: string, t: number): Entry | null {
    const known = entries.get(key);
    if (known) return known;
    if (entries.size >= maxKeys && t - prunedAt >= intervalMs) {
      prunedAt = t;
      for (const [k, e] of entries) if (t - e.lastLineAt >= intervalMs) entries.delete(k);
    }
    if (entries.size >= maxKeys) return null;
    const entry = { lastLineAt: -Infinity, suppressed: 0 };
    entries.set(key, entry);
    return entry;
  }

  return {
    take(key) {
      const t = now();
      const entry = entryFor(key, t) ?? shared;
      if (t - entry.lastLineAt < intervalMs) {
        entry.suppressed++;
        return SKIP;
      }
      const suppressed = entry.suppressed;
      entry.lastLineAt = t;
      entry.suppressed = 0;
      return { log: true, suppressed };
    },
  };
}

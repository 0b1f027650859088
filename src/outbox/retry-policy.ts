/**
 * What a delivery outcome means, as a pure function (table-tested in test/unit/sw/retry-policy.test.ts).
 *
 * - `receipts`: the collector answered per event; apply the receipts exactly.
 * - `retry`: the outcome is unknown (network error, timeout, 5xx, 408, 429): keep every event and
 *   resend the same messageIds later. The collector dedups, so resending is always safe. No answer
 *   at all is `unreachable`: the network (or the collector's host) is gone, not overloaded, so the
 *   deliverer keeps probing at a short interval instead of backing off for minutes; WebKit fires
 *   no `online` event and has no Background Sync, so that probe is how it notices the way back.
 * - `split`: the batch was too large (413): resend it in halves.
 * - `reject`: the collector refused the request as a whole (another 4xx): resending the same bytes
 *   cannot succeed, so the events go to the dead-letter store with the status as reason, and the
 *   rest of the outbox keeps moving (a 4xx never blocks the queue).
 *
 * workbox's default replay treats any response as delivered (workbox issue #2599); this does not.
 */

export type Outcome =
  | { kind: 'receipts' }
  /** `unreachable`: no answer at all (network error, timeout), as opposed to a collector refusing. */
  | { kind: 'retry'; afterMs?: number; unreachable?: true }
  | { kind: 'split' }
  | { kind: 'reject'; code: string };

/** `status` is 0 for a network error or timeout. `retryAfter` is the raw header, if any. */
export function classifyResponse(status: number, retryAfter: string | null, now: number): Outcome {
  if (status >= 200 && status < 300) return { kind: 'receipts' };
  if (status === 413) return { kind: 'split' };
  if (status === 0) return { kind: 'retry', unreachable: true };
  if (status >= 500 || status === 408 || status === 429) {
    const afterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter, now) : undefined;
    return afterMs === undefined ? { kind: 'retry' } : { kind: 'retry', afterMs };
  }
  return { kind: 'reject', code: `http-${status}` };
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"):
 * a random delay in [base, min(max, base·2^attempt)), so many clients coming back from one outage
 * do not retry in lockstep. The floor of `base` keeps a dead network from being hammered.
 * `random` is injected so tests can pin it.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return baseMs + Math.floor(random() * Math.max(0, ceiling - baseMs));
}

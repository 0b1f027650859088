/**
 * Turns ingest outcomes into the quality counters the store keeps (accepted, duplicate by channel,
 * rejected by code, flagged by rule, per minute of receipt), batched: a request costs a few map
 * updates on the HTTP thread, and the counters reach the store in one small transaction per second.
 *
 * Flagged events (stored, but breaking a convention their sender's policy flags: observe.ts) count
 * once per rule they broke (`code` = the rule), and once more under `code` `''`: the events flagged
 * whatever the rules, so the report's total and rate count events, not rule hits (an event can
 * break two rules). They are stored events: they count under `accepted` too, never `rejected`.
 *
 * Why from the ingest observer and not inside the store's insert transaction: rejected events
 * never reach the store, and in-request repeats are settled before it; the observer sees every
 * outcome exactly as the receipts said, from one place. The price: a crash loses at most the last
 * second of counters, never an event.
 */
import type { IngestListener } from '../observe.js';
import type { Awaitable, QualityCount } from '../store/store.js';
import { COLLECTOR_DEFAULTS } from '../../shared/config.js';

/** The `code` of the `flagged` row that counts events flagged by any rule (each event once). */
export const FLAGGED_EVENTS = '';

export interface QualityRecorder {
  listener: IngestListener;
  /** Writes what has accumulated; failed writes keep their counts for the next flush. */
  flush(): Promise<void>;
  /** Stops the timer and flushes one last time. */
  close(): Promise<void>;
}

export interface QualityRecorderDeps {
  write(counts: QualityCount[]): Awaitable<void>;
  onError(err: unknown): void;
  flushMs?: number;
}

export function createQualityRecorder(deps: QualityRecorderDeps): QualityRecorder {
  let pending = new Map<string, QualityCount>();
  const add = (minute: number, kind: QualityCount['kind'], channel: string, code: string, count: number) => {
    if (count === 0) return;
    const key = `${minute}\n${kind}\n${channel}\n${code}`;
    const c = pending.get(key);
    if (c) c.count += count;
    else pending.set(key, { minute, kind, channel, code, count });
  };

  const listener: IngestListener = (o) => {
    // A failed store answered 503 for everything: nothing was decided, the client resends.
    if (o.failed) return;
    const minute = Math.floor(o.receivedAt / 60_000) * 60_000;
    add(minute, 'accepted', o.channel, '', o.accepted.length);
    add(minute, 'duplicate', o.channel, '', o.duplicate.length);
    for (const r of o.rejected) add(minute, 'rejected', o.channel, r.code, 1);
    if (o.flagged) {
      for (const f of o.flagged) {
        if (f.rules.length === 0) continue;
        add(minute, 'flagged', o.channel, FLAGGED_EVENTS, 1);
        for (const rule of new Set(f.rules)) add(minute, 'flagged', o.channel, rule, 1);
      }
    }
  };

  let writing: Promise<void> = Promise.resolve();
  async function flushNow(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await deps.write([...batch.values()]);
    } catch (err) {
      deps.onError(err);
      for (const c of batch.values()) add(c.minute, c.kind, c.channel, c.code, c.count);
    }
  }
  // One write at a time, in order.
  const flush = () => (writing = writing.then(flushNow));

  const timer = setInterval(() => void flush(), deps.flushMs ?? COLLECTOR_DEFAULTS.qualityFlushMs);
  timer.unref();

  return {
    listener,
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

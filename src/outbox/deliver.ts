/**
 * Moves the outbox to the collector: oldest first, in batches cut by count and bytes, one request
 * at a time. A flush asked for while one runs does not start a second reader of the same rows
 * (that double-sent batches in the probes, docs/browser-facts.md "Background Sync"); it makes the running one go round
 * again, so what arrived meanwhile is not left behind.
 */
import type { BatchBody, LossManifest } from '../shared/event.js';
import type { FlushResult } from '../shared/protocol.js';
import type { Outbox, OutboxRow } from './outbox.js';
import { backoffMs, classifyResponse, type Outcome } from './retry-policy.js';
import type { Transport } from './transport.js';

export interface DeliveryStats {
  attempts: number;
  delivered: number;
  duplicates: number;
  rejected: number;
  retries: number;
  lastError: string | null;
}


export interface Deliverer {
  /** Delivers until the outbox is empty or an attempt fails; safe to call at any time. */
  flush(reason: string): Promise<FlushResult>;
  /** Epoch ms before which a retry would only add load (backoff or Retry-After), or 0. */
  retryAt(): number;
  stats(): DeliveryStats;
}

export interface DelivererDeps {
  outbox: Outbox;
  send: Transport;
  now: () => number;
  random: () => number;
  maxEvents: number;
  maxBytes: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** The backoff's ceiling after a try that got no answer (retry-policy.ts `unreachable`); retryMaxMs without it. */
  unreachableRetryMaxMs?: number;
  /** Called with an error code when an attempt fails; never throws into the caller. */
  onError?: (code: 'delivery-failed', detail: string) => void;
  /**
   * Runs each batch (read, send, settle) and each flush's upkeep under a lock shared by every tab,
   * worker and service-worker instance of the origin (Web Locks), so one deliverer at a time reads
   * and settles the outbox. Held per batch, not per flush, so no holder keeps it for long and a hung
   * one can be taken over (delivery-lock.ts). Without it, in-process only.
   */
  withLock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The device's loss counters, sent with each batch. */
  manifest?: () => Promise<LossManifest | undefined>;
  /** The site's write key, sent in every batch body when set. */
  writeKey?: string;
  /** Before each flush: drop what is past the retention time, or held past its consent buffer time. */
  beforeFlush?: () => Promise<void>;
}

export function createDeliverer(deps: DelivererDeps): Deliverer {
  const { outbox, now } = deps;
  const withLock = deps.withLock ?? ((fn) => fn());
  const stats: DeliveryStats = { attempts: 0, delivered: 0, duplicates: 0, rejected: 0, retries: 0, lastError: null };
  let running: Promise<FlushResult> | null = null;
  let again = false;
  let failures = 0;
  let notBefore = 0;
  /** Set by Retry-After: the collector asked for quiet, so even an explicit flush waits. */
  let serverNotBefore = 0;
  /** Batch size for the rest of this flush; halved by each 413 so later batches fit at once. */
  let batchLimit = deps.maxEvents;

  /** One request; returns false when the loop should stop (an unknown outcome). */
  async function sendOnce(): Promise<boolean> {
    if (now() < serverNotBefore) return false;
    const rows = await outbox.peek(batchLimit, deps.maxBytes);
    if (rows.length === 0) return false;
    const sentAt = new Date(now()).toISOString();
    const body: BatchBody = { batch: rows.map((r) => ({ ...r.event, sentAt })), sentAt };
    // The manifest names the device (its anonymousId): never with cookieless events.
    const manifest = rows[0].anonymous ? undefined : await deps.manifest?.();
    if (manifest) body.manifest = manifest;
    if (deps.writeKey) body.writeKey = deps.writeKey;
    stats.attempts++;
    const res = await deps.send(JSON.stringify(body));
    const outcome: Outcome = classifyResponse(res.status, res.retryAfter, now());
    const ids = rows.map((r) => r.messageId);

    if (outcome.kind === 'receipts' && res.receipts && Array.isArray(res.receipts.accepted)) {
      const { accepted, duplicate = [], rejected = [] } = res.receipts;
      await outbox.settle(rows, [...accepted, ...duplicate], rejected, now(), {
        delivered: accepted.length,
        duplicate: duplicate.length,
        rejected: rejected.length,
      });
      stats.delivered += accepted.length;
      stats.duplicates += duplicate.length;
      stats.rejected += rejected.length;
      // An event the receipts do not mention has an unknown outcome: keep it and back off, or
      // the loop would resend it at once, forever.
      const settled = new Set([...accepted, ...duplicate, ...rejected.map((r) => r.messageId)]);
      const unmentioned = ids.filter((id) => !settled.has(id));
      if (unmentioned.length === 0) {
        failures = 0;
        notBefore = 0;
        return true;
      }
      return unknownOutcome(rows.filter((r) => !settled.has(r.messageId)), `receipts missing ${unmentioned.length} event(s)`, undefined);
    }
    if (outcome.kind === 'split' && rows.length > 1) {
      batchLimit = Math.ceil(rows.length / 2);
      return true;
    }
    if (outcome.kind === 'reject' || outcome.kind === 'split') {
      const code = outcome.kind === 'reject' ? outcome.code : 'too-large';
      await outbox.settle(rows, [], ids.map((messageId) => ({ messageId, code, reason: `collector answered ${res.status}` })), now(), { rejected: ids.length });
      stats.rejected += ids.length;
      return true;
    }
    // Unknown outcome (including a 2xx whose body we could not read): keep everything, back off.
    const retry = outcome.kind === 'retry' ? outcome : undefined;
    return unknownOutcome(rows, res.error ?? `HTTP ${res.status}`, retry?.afterMs, retry?.unreachable);
  }

  async function unknownOutcome(kept: OutboxRow[], error: string, afterMs: number | undefined, unreachable?: boolean): Promise<false> {
    stats.retries++;
    stats.lastError = error;
    deps.onError?.('delivery-failed', error);
    await outbox.markAttempt(kept);
    const ceiling = unreachable ? (deps.unreachableRetryMaxMs ?? deps.retryMaxMs) : deps.retryMaxMs;
    const wait = afterMs ?? backoffMs(failures, deps.retryBaseMs, ceiling, deps.random);
    failures++;
    notBefore = now() + wait;
    if (afterMs !== undefined) serverNotBefore = notBefore;
    return false;
  }

  async function loop(): Promise<FlushResult> {
    const before = stats.delivered;
    batchLimit = deps.maxEvents;
    if (deps.beforeFlush) await withLock(deps.beforeFlush);
    do {
      again = false;
      while (await withLock(sendOnce)) { /* keep going while batches settle */ }
    } while (again && notBefore <= now());
    return { delivered: stats.delivered - before, pending: await outbox.count() };
  }

  function flush(): Promise<FlushResult> {
    if (running) {
      again = true;
      return running;
    }
    running = loop().catch((err: unknown) => {
      // IndexedDB failed under us; the rows are still there for the next trigger.
      stats.lastError = String(err);
      deps.onError?.('delivery-failed', stats.lastError);
      return { delivered: 0, pending: -1 };
    }).finally(() => {
      running = null;
      // A flush asked for after the loop's last look still gets its turn.
      if (again && notBefore <= now()) void flush();
    });
    return running;
  }

  return {
    flush,
    retryAt: () => notBefore,
    stats: () => ({ ...stats }),
  };
}

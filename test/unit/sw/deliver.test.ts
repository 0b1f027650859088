import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteDB } from 'idb';
import type { BatchBody, BatchReceipts } from '../../../src/shared/event.js';
import { createDbOpener, type HomingDatabase } from '../../../src/outbox/outbox-db.js';
import { createOutbox, type Outbox } from '../../../src/outbox/outbox.js';
import { createDeliverer, type DelivererDeps } from '../../../src/outbox/deliver.js';
import { createTransport } from '../../../src/outbox/transport.js';
import { makeEvent, sessionIds, SESSION } from '../../helpers/events.js';

const DB = 'homing-test-deliver';
type Responder = (body: BatchBody) => Response | Promise<Response>;

function receipts(r: Partial<BatchReceipts>): Response {
  return new Response(JSON.stringify({ accepted: [], duplicate: [], rejected: [], ...r }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
}

describe('deliverer', () => {
  let getDb: () => Promise<HomingDatabase>;
  let outbox: Outbox;
  let now: number;
  let requests: BatchBody[];
  let respond: Responder;

  const fakeFetch = (async (url: string, init: RequestInit) => {
    expect(url).toBe('http://collector.test/v1/batch');
    const body = JSON.parse(init.body as string) as BatchBody;
    requests.push(body);
    return respond(body);
  }) as typeof fetch;

  function transport(fetchFn: typeof fetch = fakeFetch, timeoutMs = 1000) {
    return createTransport({
      fetch: fetchFn,
      endpoint: 'http://collector.test/v1/batch',
      timeoutMs,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    });
  }

  function deliverer(overrides: Partial<DelivererDeps> = {}) {
    return createDeliverer({
      outbox,
      send: transport(),
      now: () => now,
      random: () => 0.5,
      maxEvents: 3,
      maxBytes: 1e9,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      ...overrides,
    });
  }

  beforeEach(() => {
    getDb = createDbOpener(DB);
    outbox = createOutbox({ getDb, now: () => now, newId: sessionIds(), session: SESSION });
    now = Date.UTC(2026, 10, 28);
    requests = [];
    respond = (body) => receipts({ accepted: body.batch.map((e) => e.messageId) });
  });
  afterEach(async () => {
    (await getDb()).close();
    await deleteDB(DB);
  });

  it('delivers everything in batches, oldest first, with sentAt per attempt, and empties the outbox', async () => {
    await outbox.append(['a', 'b', 'c', 'd', 'e'].map((id) => makeEvent(id)));
    const result = await deliverer().flush('test');
    expect(result).toEqual({ delivered: 5, pending: 0 });
    expect(requests.map((r) => r.batch.map((e) => e.messageId))).toEqual([['a', 'b', 'c'], ['d', 'e']]);
    expect(requests[0].sentAt).toBe(new Date(now).toISOString());
    expect(requests[0].batch[0].sentAt).toBe(requests[0].sentAt);
    expect(requests[0].batch[0].context.homing?.seq).toBe(1);
  });

  it('applies receipts exactly: duplicates settle, rejected go to dead letters, unmentioned stay', async () => {
    await outbox.append(['a', 'b', 'c'].map((id) => makeEvent(id)));
    respond = () => receipts({ accepted: ['a'], duplicate: ['b'], rejected: [] });
    const d = deliverer();
    expect(await d.flush('test')).toEqual({ delivered: 1, pending: 1 });
    expect((await outbox.peek(10, 1e9)).map((r) => [r.messageId, r.attempts])).toEqual([['c', 1]]);
    expect(d.retryAt()).toBeGreaterThan(now); // the unmentioned event is an unknown outcome
    expect(requests).toHaveLength(1);
    respond = () => receipts({ rejected: [{ messageId: 'c', code: 'invalid-event', reason: 'bad' }] });
    await d.flush('test');
    expect(await outbox.count()).toBe(0);
    expect(await outbox.deadLetterCount()).toBe(1);
    expect(d.stats()).toMatchObject({ delivered: 1, duplicates: 1, rejected: 1 });
    expect((await outbox.counters()).counts).toEqual({ stored: 3, delivered: 1, duplicate: 1, rejected: 1 });
  });

  it('sends the loss manifest with each batch and runs upkeep before each flush', async () => {
    await outbox.append([makeEvent('a')]);
    let upkeep = 0;
    const manifest = { deviceId: 'anon-1', at: now, counts: { stored: 1 }, lastSeq: 1 };
    await deliverer({ manifest: async () => manifest, beforeFlush: async () => void upkeep++ }).flush('test');
    expect(requests[0].manifest).toEqual(manifest);
    expect(upkeep).toBe(1);
  });

  it('sends the write key in every batch body when configured, and none otherwise', async () => {
    await outbox.append([makeEvent('a')]);
    await deliverer({ writeKey: 'wk-0123456789abcdef' }).flush('test');
    expect(requests[0].writeKey).toBe('wk-0123456789abcdef');
    await outbox.append([makeEvent('b')]);
    await deliverer().flush('test');
    expect(requests[1]).not.toHaveProperty('writeKey');
  });

  it('runs each batch, and the upkeep before it, inside the cross-context lock', async () => {
    await outbox.append([makeEvent('a')]);
    const log: string[] = [];
    const withLock = async <T,>(fn: () => Promise<T>) => {
      log.push('lock');
      const result = await fn();
      log.push('unlock');
      return result;
    };
    respond = (body) => {
      log.push('request');
      return receipts({ accepted: body.batch.map((e) => e.messageId) });
    };
    const upkeep = async () => void log.push('upkeep');
    await deliverer({ withLock, beforeFlush: upkeep }).flush('test');
    // The upkeep, the batch, then the look that finds the outbox empty: each under the lock.
    expect(log).toEqual(['lock', 'upkeep', 'unlock', 'lock', 'request', 'unlock', 'lock', 'unlock']);
  });

  it.each([
    ['a 500', () => new Response('oops', { status: 500 })],
    ['a network error', () => Promise.reject(new TypeError('Failed to fetch'))],
    ['a 200 whose body is not receipts', () => new Response('<html>', { status: 200 })],
  ])('keeps every event on %s and backs off', async (_label, fail) => {
    await outbox.append(['a', 'b'].map((id) => makeEvent(id)));
    respond = fail as Responder;
    const d = deliverer();
    const result = await d.flush('test');
    expect(result).toEqual({ delivered: 0, pending: 2 });
    expect(requests).toHaveLength(1);
    expect(d.retryAt()).toBeGreaterThanOrEqual(now + 1000);
    expect((await outbox.peek(10, 1e9)).map((r) => r.attempts)).toEqual([1, 1]);
    expect(await outbox.count()).toBe(2);
    // Back up: the same messageIds are resent.
    respond = (body) => receipts({ accepted: body.batch.map((e) => e.messageId) });
    expect(await d.flush('test')).toEqual({ delivered: 2, pending: 0 });
    expect(requests[1].batch.map((e) => e.messageId)).toEqual(['a', 'b']);
    expect(d.retryAt()).toBe(0);
  });

  it('probes an unreachable collector at a short interval, while a refusing one backs off up to retryMaxMs', async () => {
    await outbox.append([makeEvent('a')]);
    const waitsAfter = async (fail: Responder) => {
      respond = fail;
      const d = deliverer({ random: () => 0.999, unreachableRetryMaxMs: 5_000 });
      const waits: number[] = [];
      for (let i = 0; i < 8; i++) {
        await d.flush('test');
        waits.push(d.retryAt() - now);
        now = d.retryAt();
      }
      return waits;
    };
    const unreachable = await waitsAfter(() => Promise.reject(new TypeError('Load failed')));
    expect(Math.max(...unreachable)).toBeLessThanOrEqual(5_000);
    expect(unreachable[0]).toBeGreaterThanOrEqual(1_000);
    const refusing = await waitsAfter(() => new Response('', { status: 503 }));
    expect(refusing[7]).toBeGreaterThan(60_000 - 100); // 1 s·2^7 capped at retryMaxMs (60 s here)
    expect(requests).toHaveLength(16);
  });

  it('honours Retry-After on 429, even against an explicit flush; a plain backoff yields to one', async () => {
    await outbox.append([makeEvent('a')]);
    respond = () => new Response('', { status: 429, headers: { 'retry-after': '30' } });
    const d = deliverer();
    await d.flush('test');
    expect(d.retryAt()).toBe(now + 30_000);
    await d.flush('explicit');
    expect(requests).toHaveLength(1); // the collector asked for quiet
    now += 30_000;
    respond = () => new Response('', { status: 500 });
    await d.flush('explicit');
    expect(requests).toHaveLength(2);
    await d.flush('explicit'); // after a 500 the backoff is ours to skip when asked
    expect(requests).toHaveLength(3);
  });

  it('splits on 413 until the parts fit', async () => {
    await outbox.append(['a', 'b', 'c'].map((id) => makeEvent(id)));
    respond = (body) => (body.batch.length > 1 ? new Response('', { status: 413 }) : receipts({ accepted: [body.batch[0].messageId] }));
    const result = await deliverer().flush('test');
    expect(result).toEqual({ delivered: 3, pending: 0 });
    expect(requests.map((r) => r.batch.length)).toEqual([3, 2, 1, 1, 1]);
  });

  it('dead-letters a batch the collector refuses as a whole (4xx) so the queue keeps moving', async () => {
    await outbox.append(['a', 'b', 'c', 'd'].map((id) => makeEvent(id)));
    respond = (body) => (body.batch[0].messageId === 'a' ? new Response('', { status: 400 }) : receipts({ accepted: body.batch.map((e) => e.messageId) }));
    const result = await deliverer().flush('test');
    expect(result).toEqual({ delivered: 1, pending: 0 });
    expect(await outbox.deadLetterCount()).toBe(3);
  });

  it('is single-flight: a flush during a flush sends no row twice, and picks up new rows', async () => {
    await outbox.append(['a', 'b'].map((id) => makeEvent(id)));
    let unblock!: () => void;
    const gate = new Promise<void>((r) => (unblock = r));
    respond = async (body) => {
      await gate;
      return receipts({ accepted: body.batch.map((e) => e.messageId) });
    };
    const d = deliverer();
    const first = d.flush('one');
    await new Promise((r) => setTimeout(r, 10));
    await outbox.append([makeEvent('c')]);
    const second = d.flush('two');
    unblock();
    await Promise.all([first, second]);
    await new Promise((r) => setTimeout(r, 20));
    const sent = requests.flatMap((r) => r.batch.map((e) => e.messageId));
    expect(sent.sort()).toEqual(['a', 'b', 'c']);
    expect(await outbox.count()).toBe(0);
  });

  it('times out a hanging request and counts the outcome as unknown', async () => {
    await outbox.append([makeEvent('a')]);
    const hanging = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))) as typeof fetch;
    const d = deliverer({ send: transport(hanging, 20) });
    expect(await d.flush('test')).toEqual({ delivered: 0, pending: 1 });
    expect(d.stats().lastError).toContain('abort');
  });
});

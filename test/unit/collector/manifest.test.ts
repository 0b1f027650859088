import { afterEach, describe, expect, it } from 'vitest';
import { collectorCounters, type BatchAnswer } from '../../../src/collector/index.js';
import { readManifest } from '../../../src/collector/manifest.js';
import type { LossManifest } from '../../../src/shared/event.js';
import { createFailingStoreHarness } from './failing-store.js';
import { createHarness, gzipJson, postRaw, type Harness } from './harness.js';
import { NOW, wireEvent } from '../../helpers/events.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const AT = NOW - 2_000;

function lossManifest(overrides: Partial<LossManifest> = {}): LossManifest {
  return { deviceId: 'anon-1', at: AT, counts: { captured: 12, delivered: 9, evicted: 1 }, lastSeq: 12, ...overrides };
}

function post(body: unknown) {
  return postRaw(h.app, JSON.stringify(body), { 'content-type': 'application/json' });
}

describe('readManifest', () => {
  it('keeps the known fields and drops unknown keys, at the top and among the counts', () => {
    expect(
      readManifest({ deviceId: 'd', at: 5, counts: { captured: 3, teleported: 2, consent: 0 }, lastSeq: 3, extra: { x: 1 } }),
    ).toEqual({ ok: true, manifest: { deviceId: 'd', at: 5, counts: { captured: 3, consent: 0 }, lastSeq: 3 } });
  });

  it('keeps every reason of LossManifest counts', () => {
    const counts = {
      captured: 1, stored: 2, delivered: 3, duplicate: 4, rejected: 5, evicted: 6, expired: 7, consent: 8, invalid: 9, debounced: 10, throttled: 11, wiped: 12,
    } satisfies Required<LossManifest['counts']>;
    expect(readManifest({ deviceId: 'd', at: 5, counts })).toEqual({ ok: true, manifest: { deviceId: 'd', at: 5, counts } });
  });

  it('accepts a manifest without lastSeq or with null, and empty counts', () => {
    expect(readManifest({ deviceId: 'd', at: 5, counts: {} })).toEqual({ ok: true, manifest: { deviceId: 'd', at: 5, counts: {} } });
    expect(readManifest({ deviceId: 'd', at: 5, counts: {}, lastSeq: null })).toEqual({
      ok: true,
      manifest: { deviceId: 'd', at: 5, counts: {} },
    });
  });

  it('rounds a fractional at down to the millisecond', () => {
    expect(readManifest({ deviceId: 'd', at: 5.7, counts: {} })).toMatchObject({ ok: true, manifest: { at: 5 } });
  });

  it('accepts a deviceId of exactly 200 characters', () => {
    expect(readManifest({ deviceId: 'x'.repeat(200), at: 1, counts: {} }).ok).toBe(true);
  });

  it.each([
    ['null', null, '/manifest must be an object'],
    ['an array', [], '/manifest must be an object'],
    ['a string', 'm', '/manifest must be an object'],
    ['no deviceId', { at: 1, counts: {} }, '/manifest/deviceId must be a string of 1 to 200 characters'],
    ['a numeric deviceId', { deviceId: 7, at: 1, counts: {} }, '/manifest/deviceId must be a string of 1 to 200 characters'],
    ['an empty deviceId', { deviceId: '', at: 1, counts: {} }, '/manifest/deviceId must be a string of 1 to 200 characters'],
    ['a deviceId of 201 characters', { deviceId: 'x'.repeat(201), at: 1, counts: {} }, '/manifest/deviceId must be a string of 1 to 200 characters'],
    ['no at', { deviceId: 'd', counts: {} }, '/manifest/at must be a non-negative number (epoch ms)'],
    ['an ISO at', { deviceId: 'd', at: '2026-11-28T12:00:00Z', counts: {} }, '/manifest/at must be a non-negative number (epoch ms)'],
    ['a negative at', { deviceId: 'd', at: -1, counts: {} }, '/manifest/at must be a non-negative number (epoch ms)'],
    ['an infinite at', { deviceId: 'd', at: Infinity, counts: {} }, '/manifest/at must be a non-negative number (epoch ms)'],
    ['no counts', { deviceId: 'd', at: 1 }, '/manifest/counts must be an object'],
    ['counts as an array', { deviceId: 'd', at: 1, counts: [1] }, '/manifest/counts must be an object'],
    ['a negative count', { deviceId: 'd', at: 1, counts: { evicted: -1 } }, '/manifest/counts/evicted must be a non-negative integer'],
    ['a fractional count', { deviceId: 'd', at: 1, counts: { captured: 1.5 } }, '/manifest/counts/captured must be a non-negative integer'],
    ['a string count', { deviceId: 'd', at: 1, counts: { delivered: '3' } }, '/manifest/counts/delivered must be a non-negative integer'],
    ['a null count', { deviceId: 'd', at: 1, counts: { consent: null } }, '/manifest/counts/consent must be a non-negative integer'],
    ['an unsafe integer count', { deviceId: 'd', at: 1, counts: { captured: 2 ** 60 } }, '/manifest/counts/captured must be a non-negative integer'],
    ['a negative lastSeq', { deviceId: 'd', at: 1, counts: {}, lastSeq: -1 }, '/manifest/lastSeq must be a non-negative integer'],
    ['a string lastSeq', { deviceId: 'd', at: 1, counts: {}, lastSeq: '4' }, '/manifest/lastSeq must be a non-negative integer'],
  ])('refuses %s', (_label, value, reason) => {
    expect(readManifest(value)).toEqual({ ok: false, reason });
  });

  it('ignores inherited keys: only own count properties are read', () => {
    const counts = Object.create({ captured: -5 }) as Record<string, number>;
    counts.delivered = 1;
    expect(readManifest({ deviceId: 'd', at: 1, counts })).toEqual({ ok: true, manifest: { deviceId: 'd', at: 1, counts: { delivered: 1 } } });
  });
});

describe('POST /v1/batch with a loss manifest', () => {
  it('stores a valid manifest with the collector clock as receivedAt', async () => {
    h = createHarness();
    const events = [wireEvent(), wireEvent()];

    const res = await post({ batch: events, sentAt: '2026-11-28T12:00:09.000Z', manifest: lossManifest() });

    expect(res.statusCode).toBe(200);
    expect(res.json<BatchAnswer>().accepted).toEqual(events.map((e) => e.messageId));
    expect(h.store.getManifest('anon-1')).toEqual({
      deviceId: 'anon-1',
      at: AT,
      receivedAt: NOW,
      counts: { captured: 12, delivered: 9, evicted: 1 },
      lastSeq: 12,
    });
    expect(collectorCounters(h.app).manifestsRejected).toBe(0);
  });

  it('answers exactly the receipts it answers without a manifest', async () => {
    h = createHarness();
    const e = wireEvent();
    const res = await post({ batch: [e], manifest: lossManifest() });
    expect(res.json()).toEqual({ accepted: [e.messageId], duplicate: [], rejected: [] });
  });

  it('stores the known counts only and ignores unknown keys', async () => {
    h = createHarness();

    await post({ batch: [wireEvent()], manifest: { ...lossManifest({ counts: { captured: 3, warp: 1 } as LossManifest['counts'] }), v: 2 } });

    expect(h.store.getManifest('anon-1')?.counts).toEqual({ captured: 3 });
    expect(collectorCounters(h.app).manifestsRejected).toBe(0);
  });

  it('stores a manifest sent with an empty batch, and one in a gzipped body', async () => {
    h = createHarness();
    expect((await post({ batch: [], manifest: lossManifest({ deviceId: 'a' }) })).statusCode).toBe(200);
    const gz = await postRaw(h.app, gzipJson({ batch: [wireEvent()], manifest: lossManifest({ deviceId: 'b' }) }), {
      'content-type': 'text/plain',
      'content-encoding': 'gzip',
    });
    expect(gz.statusCode).toBe(200);
    expect(h.store.getManifest('a')).toBeDefined();
    expect(h.store.getManifest('b')).toBeDefined();
  });

  it('stores a manifest even when every event of the batch is rejected', async () => {
    h = createHarness();
    const res = await post({ batch: [wireEvent({ event: 'Bad Name' })], manifest: lossManifest() });
    expect(res.json<BatchAnswer>().rejected).toHaveLength(1);
    expect(h.store.getManifest('anon-1')).toBeDefined();
  });

  it.each([
    ['not an object', 'counters'],
    ['null', null],
    ['a bad count', lossManifest({ counts: { captured: -1 } })],
    ['a long deviceId', lossManifest({ deviceId: 'x'.repeat(201) })],
    ['no at', { deviceId: 'anon-1', counts: {} }],
  ])('ignores an invalid manifest (%s), counts it, and still stores the events', async (_label, manifest) => {
    h = createHarness();
    const events = [wireEvent(), wireEvent()];

    const res = await post({ batch: events, manifest });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: events.map((e) => e.messageId), duplicate: [], rejected: [] });
    expect(h.store.count()).toBe(2);
    expect(h.store.getManifest('anon-1')).toBeUndefined();
    expect(collectorCounters(h.app).manifestsRejected).toBe(1);
  });

  it('keeps the newer manifest when an older batch arrives late', async () => {
    h = createHarness();
    await post({ batch: [wireEvent()], manifest: lossManifest({ at: AT, counts: { captured: 20 }, lastSeq: 20 }) });

    const late = wireEvent();
    const res = await post({ batch: [late], manifest: lossManifest({ at: AT - 60_000, counts: { captured: 10 }, lastSeq: 10 }) });

    expect(res.json<BatchAnswer>().accepted).toEqual([late.messageId]);
    expect(h.store.getManifest('anon-1')).toMatchObject({ at: AT, counts: { captured: 20 }, lastSeq: 20 });
  });

  it('stores nothing, manifest included, when the store fails; the resend stores both', async () => {
    const failing = createFailingStoreHarness();
    h = failing;
    const body = { batch: [wireEvent()], manifest: lossManifest() };

    expect((await post(body)).statusCode).toBe(503);
    expect(h.store.getManifest('anon-1')).toBeUndefined();

    failing.heal();
    expect((await post(body)).statusCode).toBe(200);
    expect(h.store.getManifest('anon-1')).toBeDefined();
  });

  it('does not store a manifest from a request refused for its envelope', async () => {
    h = createHarness({ maxBatchBytes: 500 });
    const res = await post({ batch: [wireEvent(), wireEvent()], manifest: lossManifest() });
    expect(res.statusCode).toBe(413);
    expect(h.store.getManifest('anon-1')).toBeUndefined();
  });
});

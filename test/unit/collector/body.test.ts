import { deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchAnswer } from '../../../src/collector/index.js';
import { createHarness, gzipJson, postRaw, wireEvent, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('request bodies', () => {
  it('accepts a gzip-compressed body', async () => {
    h = createHarness();
    const events = [wireEvent(), wireEvent()];

    const res = await postRaw(h.app, gzipJson({ batch: events }), { 'content-type': 'application/json', 'content-encoding': 'gzip' });

    expect(res.statusCode).toBe(200);
    expect(res.json<BatchAnswer>().accepted).toEqual(events.map((e) => e.messageId));
    expect(h.store.count()).toBe(2);
  });

  it('accepts a deflate-compressed body', async () => {
    h = createHarness();
    const e = wireEvent();
    const res = await postRaw(h.app, deflateSync(JSON.stringify({ batch: [e] })), {
      'content-type': 'application/json',
      'content-encoding': 'deflate',
    });
    expect(res.json<BatchAnswer>().accepted).toEqual([e.messageId]);
  });

  it('accepts JSON sent as text/plain, as sendBeacon does', async () => {
    h = createHarness();
    const e = wireEvent();

    const res = await postRaw(h.app, JSON.stringify({ batch: [e], sentAt: '2026-11-28T12:00:01.000Z' }), {
      'content-type': 'text/plain;charset=UTF-8',
    });

    expect(res.statusCode).toBe(200);
    expect(res.json<BatchAnswer>().accepted).toEqual([e.messageId]);
    expect(h.store.getEvent(e.messageId)).toBeDefined();
  });

  it('accepts gzip sent as text/plain', async () => {
    h = createHarness();
    const e = wireEvent();
    const res = await postRaw(h.app, gzipJson({ batch: [e] }), { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    expect(res.json<BatchAnswer>().accepted).toEqual([e.messageId]);
  });

  it('answers 413 to a body over the limit on the wire', async () => {
    h = createHarness({ bodyLimitBytes: 2_000 });
    const big = JSON.stringify({ batch: [wireEvent({ properties: { pad: 'x'.repeat(3_000) } })] });

    const res = await postRaw(h.app, big, { 'content-type': 'application/json' });

    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'body-too-large', reason: expect.any(String) });
    expect(h.store.count()).toBe(0);
  });

  it('answers 413 to a small gzip body that decompresses over the limit', async () => {
    h = createHarness({ bodyLimitBytes: 10_000 });
    const bomb = gzipSync(Buffer.from(JSON.stringify({ batch: [wireEvent({ properties: { pad: 'x'.repeat(50_000) } })] })));
    expect(bomb.length).toBeLessThan(10_000);

    const res = await postRaw(h.app, bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });

    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'body-too-large', reason: 'body is larger than 10000 bytes once decompressed' });
    expect(h.store.count()).toBe(0);
  });

  it('accepts a gzip body that decompresses to just under the limit', async () => {
    h = createHarness({ bodyLimitBytes: 10_000 });
    const base = JSON.stringify({ batch: [wireEvent({ properties: { pad: '' } })] });
    const body = JSON.stringify({ batch: [wireEvent({ properties: { pad: 'x'.repeat(10_000 - base.length - 1) } })] });
    expect(body.length).toBeLessThanOrEqual(10_000);

    const res = await postRaw(h.app, gzipSync(Buffer.from(body)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });

    expect(res.statusCode).toBe(200);
  });

  it('answers 400 to a body that claims gzip but is not', async () => {
    h = createHarness();
    const res = await postRaw(h.app, JSON.stringify({ batch: [] }), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid-encoding' });
  });

  it('answers 415 to an encoding it cannot decode', async () => {
    h = createHarness();
    const res = await postRaw(h.app, 'x', { 'content-type': 'application/json', 'content-encoding': 'br' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error: 'unsupported-encoding' });
  });

  it('answers 415 to a content type other than JSON or text', async () => {
    h = createHarness();
    const res = await postRaw(h.app, 'batch=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({
      error: 'unsupported-media-type',
      reason: 'Content-Type must be application/json or text/plain (the body is JSON either way)',
    });
  });
});

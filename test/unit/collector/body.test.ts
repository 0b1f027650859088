import { deflateSync, gzipSync } from 'node:zlib';
import { jsonDepthExceeds } from '../../../src/collector/body.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchAnswer, EventStore } from '../../../src/collector/index.js';
import { createFailingStoreHarness } from './failing-store.js';
import { createHarness, gzipJson, postRaw, type Harness } from './harness.js';
import { wireEvent } from '../../helpers/events.js';

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
    h = createHarness({ maxBatchBytes: 2_000 });
    const big = JSON.stringify({ batch: [wireEvent({ properties: { pad: 'x'.repeat(3_000) } })] });

    const res = await postRaw(h.app, big, { 'content-type': 'application/json' });

    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'body-too-large', reason: expect.any(String) });
    expect(h.store.count()).toBe(0);
  });

  it('answers 413 to a small gzip body that decompresses over the limit', async () => {
    h = createHarness({ maxBatchBytes: 10_000 });
    const bomb = gzipSync(Buffer.from(JSON.stringify({ batch: [wireEvent({ properties: { pad: 'x'.repeat(50_000) } })] })));
    expect(bomb.length).toBeLessThan(10_000);

    const res = await postRaw(h.app, bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });

    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'body-too-large', reason: 'body is larger than 10000 bytes once decompressed' });
    expect(h.store.count()).toBe(0);
  });

  it('accepts a gzip body that decompresses to just under the limit', async () => {
    h = createHarness({ maxBatchBytes: 10_000 });
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

  it('reads JSON whatever the Content-Type says, or without one: each client labels it its own way', async () => {
    h = createHarness();
    const labels: (string | undefined)[] = ['application/x-www-form-urlencoded', 'application/octet-stream', 'text/plain;charset=UTF-8', undefined];
    for (const label of labels) {
      const e = wireEvent();
      const headers: Record<string, string> = { 'content-encoding': 'gzip' };
      if (label !== undefined) headers['content-type'] = label;
      const res = await postRaw(h.app, gzipJson({ batch: [e] }), headers);
      expect(res.statusCode, String(label)).toBe(200);
      expect(res.json<BatchAnswer>().accepted).toEqual([e.messageId]);
    }
    expect(h.store.count()).toBe(labels.length);
  });
});

describe('hostile bodies', () => {
  const json = { 'content-type': 'application/json' };

  it('answers 400 to nesting deeper than the limit, before parsing (10,000 nested arrays)', async () => {
    h = createHarness();
    const deep = `{"batch":[{"properties":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}]}`;
    const res = await postRaw(h.app, deep, json);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'too-deep', reason: 'JSON nests deeper than 64 levels' });
    // A bare array nest, and a deep gzip, are refused the same way.
    expect((await postRaw(h.app, '['.repeat(100_000), json)).json()).toMatchObject({ error: 'too-deep' });
    expect((await postRaw(h.app, gzipSync(deep), { ...json, 'content-encoding': 'gzip' })).json()).toMatchObject({ error: 'too-deep' });
  });

  it('accepts nesting up to the limit, and does not count brackets inside strings', async () => {
    h = createHarness({ maxJsonDepth: 8 });
    const ok = wireEvent({ properties: { a: [[['x']]], s: '[[[[[[[[[[{{{{{{{{"\\' } });
    const res = await postRaw(h.app, JSON.stringify({ batch: [ok] }), json);
    expect(res.statusCode).toBe(200);
    expect(res.json<BatchAnswer>().accepted).toEqual([ok.messageId]);
    const tooDeep = wireEvent({ properties: { a: [[[[['x']]]]] } });
    expect((await postRaw(h.app, JSON.stringify({ batch: [tooDeep] }), json)).statusCode).toBe(400);
  });

  it('answers 400 to bytes that are not UTF-8, instead of storing U+FFFD', async () => {
    h = createHarness();
    const body = Buffer.concat([Buffer.from('{"batch":[{"messageId":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);
    const res = await postRaw(h.app, body, json);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid-utf8', reason: 'body is not valid UTF-8' });
  });
});

describe('jsonDepthExceeds', () => {
  it.each([
    ['{}', 1, false],
    ['{}', 0, true],
    ['[[1],[2,[3]]]', 3, false],
    ['[[1],[2,[3]]]', 2, true],
    ['["[[[[", {"a": "\\"}, "\\\"[[["]', 2, false],
  ])('%s with limit %i: %s', (text, limit, expected) => {
    expect(jsonDepthExceeds(Buffer.from(text), limit)).toBe(expected);
  });
});

describe('Accept-Encoding advertisement on every POST /v1/batch answer', () => {
  const json = { 'content-type': 'application/json' };

  type Case = [label: string, harness: () => Harness, payload: () => string | Buffer, headers: Record<string, string>, status: number];
  const cases: Case[] = [
    ['200, plain body', () => createHarness(), () => JSON.stringify({ batch: [wireEvent()] }), json, 200],
    ['200, gzip body', () => createHarness(), () => gzipJson({ batch: [wireEvent()] }), { ...json, 'content-encoding': 'gzip' }, 200],
    ['400 not JSON', () => createHarness(), () => '{"batch": [', json, 400],
    ['400 broken envelope', () => createHarness(), () => '{"events": []}', json, 400],
    ['400 broken gzip', () => createHarness(), () => 'not gzip', { ...json, 'content-encoding': 'gzip' }, 400],
    ['413 body over the limit', () => createHarness({ maxBatchBytes: 100 }), () => JSON.stringify({ batch: [wireEvent()] }), json, 413],
    ['415 unknown coding', () => createHarness(), () => '{}', { ...json, 'content-encoding': 'br' }, 415],
    ['503 store failed', () => createFailingStoreHarness(), () => JSON.stringify({ batch: [wireEvent()] }), json, 503],
  ];

  it.each(cases)('%s', async (_label, harness, payload, headers, status) => {
    h = harness();
    const res = await postRaw(h.app, payload(), headers);
    expect(res.statusCode).toBe(status);
    expect(res.headers['accept-encoding']).toBe('gzip, deflate');
  });

  it('is not added to other routes', async () => {
    h = createHarness();
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).headers['accept-encoding']).toBeUndefined();
    expect((await h.app.inject({ method: 'GET', url: '/nope' })).headers['accept-encoding']).toBeUndefined();
  });
});

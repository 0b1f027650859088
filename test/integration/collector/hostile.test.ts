/**
 * Hostile and broken input against a real collector process. Each case gets a clear 4xx (or, for
 * event-level problems inside a valid batch, a rejection receipt), nothing bad is stored, and a
 * good client is served while it happens.
 */
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, wireEvent } from '../../helpers/events.js';
import { countRows, healthy, postJson, readRows, send, startCollector, type Collector } from '../../helpers/collector.js';

const HEADERS_TIMEOUT_MS = 1_500;

let c: Collector;
beforeAll(async () => {
  c = await startCollector({ args: ['--headers-timeout', String(HEADERS_TIMEOUT_MS), '--request-timeout', '3000'] });
});
afterAll(async () => {
  await c?.dispose();
});

const raw = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  send(c.url, { method: 'POST', path: '/v1/batch', headers, body });

/** A good client's batch: must be stored while the server is being abused. */
async function goodClientServed(): Promise<void> {
  const e = wireEvent();
  const res = await postJson(c.url, '/v1/batch', { batch: [e] });
  expect(res.status).toBe(200);
  expect(res.json().accepted).toEqual([e.messageId]);
}

describe('malformed bodies get a clear 400', () => {
  it.each([
    ['truncated JSON', '{"batch": [', 'invalid-json'],
    ['trailing garbage', '{"batch": []} x', 'invalid-json'],
    ['an empty body', '', 'invalid-json'],
    ['a JSON array', '[]', 'invalid-envelope'],
    ['null', 'null', 'invalid-envelope'],
    ['a number', '42', 'invalid-envelope'],
    ['batch of the wrong type', '{"batch": "events"}', 'invalid-envelope'],
    ['batch an object', '{"batch": {"0": {}}}', 'invalid-envelope'],
  ])('%s', async (_label, body, code) => {
    const res = await raw(body);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: code, reason: expect.any(String) });
    await goodClientServed();
  });

  it('broken gzip: 400; an unknown encoding: 415; a body under any content type is read as JSON', async () => {
    expect((await raw(gzipSync('{"batch":[]}').subarray(0, 10), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(400);
    expect((await raw('{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415);
    const xml = await raw('<batch/>', { 'content-type': 'application/xml' });
    expect([xml.status, xml.json().error]).toEqual([400, 'invalid-json']);
    await goodClientServed();
  });

  it('wrong types inside events: the batch is answered, each bad event rejected with the field named', async () => {
    const good = wireEvent();
    const res = await postJson(c.url, '/v1/batch', {
      batch: [
        good,
        { ...wireEvent(), event: 5 },
        { ...wireEvent(), timestamp: 1732795200000 },
        { ...wireEvent(), properties: 'a string' },
        { ...wireEvent(), anonymousId: ['a'] },
        { ...wireEvent(), context: { homing: { seq: '1' } } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json().accepted).toEqual([good.messageId]);
    expect(res.json().rejected.map((r: { index: number; reason: string }) => [r.index, r.reason])).toEqual([
      [1, '/event must be string'],
      [2, '/timestamp must be string'],
      [3, '/properties must be object'],
      [4, '/anonymousId must be string'],
      [5, '/context/homing/seq must be integer'],
    ]);
  });
});

describe('a 10 MB body', () => {
  it('413, as plain JSON with a length, chunked without one, and gzip; good clients are served at the same time', async () => {
    const pad = 'x'.repeat(10 * 1024 * 1024);
    const huge = JSON.stringify({ batch: [wireEvent({ properties: { pad } })] });
    const [withLength, chunked, gz] = await Promise.all([
      send(c.url, { method: 'POST', path: '/v1/batch', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(huge) }, body: huge }),
      sendChunked(huge),
      raw(gzipSync(huge), { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
      goodClientServed(),
      goodClientServed(),
    ]);
    for (const res of [withLength, chunked, gz]) {
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text)).toMatchObject({ error: 'body-too-large' });
    }
    await goodClientServed();
  });
});

/**
 * A body sent in 64 KB chunks without Content-Length (Transfer-Encoding: chunked). The server
 * answers 413 as soon as the limit is passed and closes the connection, so the rest of the upload
 * fails (EPIPE): the answer is what was received before that.
 */
function sendChunked(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port: c.port, method: 'POST', path: '/v1/batch', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    let offset = 0;
    const next = () => {
      while (offset < body.length && !req.destroyed) {
        const chunk = body.slice(offset, offset + 65_536);
        offset += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', next);
      }
      if (!req.destroyed) req.end();
    };
    next();
  });
}

describe('deep nesting', () => {
  it('10,000 nested arrays: 400 before the parser sees it, and the server keeps serving', async () => {
    const inProperties = `{"batch":[{"type":"track","event":"x","messageId":"${newId()}","anonymousId":"a","timestamp":"2026-11-28T12:00:00Z","properties":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}]}`;
    const [res] = await Promise.all([raw(inProperties), goodClientServed()]);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'too-deep', reason: 'JSON nests deeper than 64 levels' });

    // 400,000 levels, unbalanced, and as gzip: the same answer.
    expect((await raw('['.repeat(400_000))).json()).toMatchObject({ error: 'too-deep' });
    expect((await raw(gzipSync('{"batch":' + '[{"a":'.repeat(50_000)), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).json()).toMatchObject({ error: 'too-deep' });
    // A single too-deep event sent alone, and to the server endpoint's siblings.
    expect((await send(c.url, { method: 'POST', path: '/v1/track', headers: { 'content-type': 'application/json' }, body: '{"properties":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}' })).status).toBe(400);
    await goodClientServed();
  });
});

describe('unicode edge cases', () => {
  it('stores RTL text, bidi controls and emoji in names and property values exactly as sent', async () => {
    const e = wireEvent({
      messageId: `${newId()}-🦊`,
      anonymousId: 'مستخدم-١',
      userId: 'משתמש 🚀',
      event: 'product_viewed',
      properties: { title: 'שלום עולם', arabic: 'مرحبا بالعالم', bidi: 'abc\u202Edcba\u202C', emoji: '👩‍👩‍👧‍👦🏳️‍🌈', zwj: 'a\u200Db', nul: 'a\u0000b' },
      context: { channel: 'browser', library: { name: 'homing', version: '1' }, page: { url: 'https://shop.example/מוצר', path: '/מוצר', search: '', title: 'דף 🛒', referrer: '' } },
    });
    const res = await postJson(c.url, '/v1/batch', { batch: [e] });
    expect(res.json().accepted).toEqual([e.messageId]);

    const [row] = readRows(c.dbPath, 'message_id = ?', e.messageId);
    expect(row.anonymous_id).toBe(e.anonymousId);
    expect(row.user_id).toBe(e.userId);
    expect(row.payload.properties).toEqual(e.properties);
    expect(row.payload.context.page.title).toBe('דף 🛒');
  });

  it('refuses emoji where the schema wants identifiers (event and property names), with the rule in the reason', async () => {
    const name = { ...wireEvent(), event: 'cart_🛒' };
    const key = wireEvent({ properties: { 'prix_€': 1 } });
    const res = await postJson(c.url, '/v1/batch', { batch: [name, key] });
    expect(res.json().rejected.map((r: { reason: string }) => r.reason)).toEqual([
      '/event must match pattern "^[a-z][a-z0-9_]*$"',
      '/properties property name "prix_€" must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"',
    ]);
  });

  it('lone surrogates: refused in ids (they would collide once UTF-8 encoded), kept exactly in property values', async () => {
    const prefix = newId();
    const body = `{"batch":[
      {"type":"track","event":"a","messageId":"${prefix}-\\ud800","anonymousId":"x","timestamp":"2026-11-28T12:00:00Z"},
      {"type":"track","event":"a","messageId":"${prefix}-\\udbff","anonymousId":"x","timestamp":"2026-11-28T12:00:00Z"},
      {"type":"track","event":"a","messageId":"${prefix}-ok","anonymousId":"x","timestamp":"2026-11-28T12:00:00Z","properties":{"half":"x\\udc00y"}}
    ]}`;
    const res = await raw(body);
    expect(res.status).toBe(200);
    expect(res.json().accepted).toEqual([`${prefix}-ok`]);
    expect(res.json().rejected).toEqual([
      { messageId: `${prefix}-\ud800`, code: 'invalid-event', reason: '/messageId contains a lone surrogate (not valid Unicode)', index: 0 },
      { messageId: `${prefix}-\udbff`, code: 'invalid-event', reason: '/messageId contains a lone surrogate (not valid Unicode)', index: 1 },
    ]);
    expect(readRows(c.dbPath, 'message_id = ?', `${prefix}-ok`)[0].payload.properties).toEqual({ half: 'x\udc00y' });
  });

  it('bytes that are not UTF-8: 400', async () => {
    const body = Buffer.concat([Buffer.from('{"batch":[{"messageId":"'), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}]}')]);
    expect((await raw(body)).json()).toEqual({ error: 'invalid-utf8', reason: 'body is not valid UTF-8' });
    await goodClientServed();
  });
});

describe('slow clients', () => {
  it('closes slow-loris connections (headers trickled) after the headers timeout, serving good clients meanwhile', async () => {
    const SOCKETS = 20;
    const opened = Date.now();
    const closedAt: number[] = [];
    const sockets: Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    let answers = '';
    await Promise.all(
      Array.from({ length: SOCKETS }, () =>
        new Promise<void>((resolve, reject) => {
          const s = connect(c.port, '127.0.0.1', () => {
            s.write('POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n');
            resolve();
          });
          s.on('data', (d) => (answers += d.toString()));
          s.on('error', () => {});
          s.on('close', () => closedAt.push(Date.now() - opened));
          s.once('error', reject);
          sockets.push(s);
          // One header line every 200 ms, for at most 10 s: bounded even if the server never cuts it.
          let n = 0;
          const t = setInterval(() => {
            if (s.destroyed || ++n > 50) return clearInterval(t);
            s.write(`X-Slow-${n}: x\r\n`);
          }, 200);
          timers.push(t);
        }),
      ),
    );

    try {
      // While they trickle, a good client is served, several times.
      for (let i = 0; i < 3; i++) {
        await goodClientServed();
        expect(await healthy(c.url)).toBe(true);
        await new Promise((r) => setTimeout(r, 200));
      }
      // Every slow socket is closed by the server: headers timeout plus at most one check interval.
      const deadline = Date.now() + HEADERS_TIMEOUT_MS + 5_000;
      while (closedAt.length < SOCKETS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(closedAt).toHaveLength(SOCKETS);
      expect(Math.max(...closedAt)).toBeLessThan(HEADERS_TIMEOUT_MS + 2_500);
      expect(Math.min(...closedAt)).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(answers).toMatch(/^HTTP\/1\.1 408/);
      await goodClientServed();
    } finally {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
    }
  }, 20_000);

  it('closes a client that trickles its body past the request timeout', async () => {
    const opened = Date.now();
    const s = connect(c.port, '127.0.0.1');
    let closed = -1;
    let answer = '';
    s.on('data', (d) => (answer += d.toString()));
    s.on('error', () => {});
    s.on('close', () => (closed = Date.now() - opened));
    s.write('POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"batch":[');
    const t = setInterval(() => !s.destroyed && s.write(' '), 200);
    try {
      const deadline = Date.now() + 8_000;
      while (closed < 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        if (Date.now() - opened > 1_000 && Date.now() - opened < 1_300) await goodClientServed();
      }
      expect(closed).toBeGreaterThan(2_900);
      expect(closed).toBeLessThan(5_500);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(t);
      s.destroy();
    }
  }, 15_000);
});

describe('after all that', () => {
  it('stored nothing it refused', async () => {
    const rows = readRows(c.dbPath);
    expect(rows.every((r) => typeof r.payload.messageId === 'string' && r.payload.messageId.length > 0)).toBe(true);
    expect(countRows(c.dbPath)).toBe(rows.length);
    expect(rows.some((r) => r.message_id.includes('\ufffd'))).toBe(false);
    expect(await healthy(c.url)).toBe(true);
  });
});

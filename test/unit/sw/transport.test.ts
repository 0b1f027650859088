import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { createTransport, gzip } from '../../../src/outbox/transport.js';

interface Seen {
  headers: Record<string, string>;
  body: string;
}

function transport(answer: (n: number) => Response) {
  const seen: Seen[] = [];
  const send = createTransport({
    fetch: (async (_url: string, init: RequestInit) => {
      const headers = init.headers as Record<string, string>;
      const body = init.body instanceof Uint8Array ? gunzipSync(init.body).toString('utf8') : String(init.body);
      seen.push({ headers, body });
      return answer(seen.length);
    }) as typeof fetch,
    endpoint: 'http://collector.test/v1/batch',
    timeoutMs: 1000,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    compress: gzip,
  });
  return { send, seen };
}

const ok = (acceptEncoding?: string) =>
  new Response(JSON.stringify({ accepted: [], duplicate: [], rejected: [] }), {
    status: 200,
    headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {},
  });

describe('transport', () => {
  it('sends plain JSON until the collector says it accepts gzip, then gzip', async () => {
    const { send, seen } = transport(() => ok('gzip, deflate'));
    await send('{"batch":[1]}');
    await send('{"batch":[2]}');
    expect(seen[0].headers['content-encoding']).toBeUndefined();
    expect(seen[1].headers['content-encoding']).toBe('gzip');
    expect(seen[1].body).toBe('{"batch":[2]}');
  });

  it('stays on gzip when an answer (a proxy error page) lacks the header, and falls back to plain on a 415', async () => {
    const { send, seen } = transport((n) => (n === 1 ? ok('gzip') : n === 2 ? new Response('', { status: 502 }) : n === 3 ? new Response('', { status: 415 }) : ok()));
    await send('{"n":1}');
    await send('{"n":2}'); // gzip, answered 502 without the header
    const third = await send('{"n":3}'); // still gzip: 415 → resent plain at once
    expect(third.status).toBe(200);
    await send('{"n":4}');
    expect(seen.map((s) => s.headers['content-encoding'] ?? 'plain')).toEqual(['plain', 'gzip', 'gzip', 'plain', 'plain']);
    expect(seen[3].body).toBe('{"n":3}');
  });

  it('stays plain for a collector that does not advertise gzip', async () => {
    const { send, seen } = transport(() => ok());
    await send('{}');
    await send('{}');
    expect(seen.map((s) => s.headers['content-encoding'])).toEqual([undefined, undefined]);
  });

  it('reports status, Retry-After and unreadable receipts', async () => {
    const { send } = transport((n) =>
      n === 1 ? new Response('', { status: 503, headers: { 'retry-after': '7' } }) : new Response('<html>', { status: 200 }),
    );
    expect(await send('{}')).toEqual({ status: 503, retryAfter: '7' });
    const second = await send('{}');
    expect(second.status).toBe(200);
    expect(second.receipts).toBeUndefined();
    expect(second.error).toContain('unreadable receipts');
  });
});

import { describe, expect, it } from 'vitest';
import { createSseParser } from '../../../src/dashboard/sse-parse.js';

describe('SSE parser', () => {
  it('parses events, ignoring comments and retry lines', () => {
    const p = createSseParser();
    const text = 'retry: 3000\n\nevent: ready\ndata: {"a":1}\n\n: heartbeat\n\nevent: ingest\ndata: {"b":2}\n\n';
    expect(p.push(text)).toEqual([
      { event: 'ready', data: '{"a":1}' },
      { event: 'ingest', data: '{"b":2}' },
    ]);
  });

  it('completes events split anywhere across chunks, CRLF included', () => {
    const p = createSseParser();
    const text = 'event: ingest\r\ndata: {"x":"y"}\r\n\r\ndata: plain\r\n\r\n';
    const out = [];
    for (const ch of text) out.push(...p.push(ch));
    expect(out).toEqual([
      { event: 'ingest', data: '{"x":"y"}' },
      { event: 'message', data: 'plain' },
    ]);
  });

  it('joins multi-line data and keeps a value without a space after the colon', () => {
    const p = createSseParser();
    expect(p.push('data:one\ndata: two\n\n')).toEqual([{ event: 'message', data: 'one\ntwo' }]);
    expect(p.push('event: lonely\n\n')).toEqual([]);
  });
});

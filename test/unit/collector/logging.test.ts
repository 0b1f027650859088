import { afterEach, describe, expect, it } from 'vitest';
import { collectorCounters, createKeyRing } from '../../../src/collector/index.js';
import { redactUrl } from '../../../src/collector/log.js';
import { createHarness, postBatch, type Harness } from './harness.js';
import { wireEvent } from '../../helpers/events.js';

const S2S = 'Zm9vYmFyYmF6cXV4cXV1eA';
const ADMIN = '3c1f0d8e2b6a4f59a7c1d2e3';
const WRITE = 'wk_shop_secretish';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
}

describe('structured logs', () => {
  it('never contain a key, whichever way it was sent, valid or not', async () => {
    const { lines, stream } = capture();
    h = createHarness({
      logger: { level: 'debug', stream },
      keys: createKeyRing([
        { kind: 's2s', key: S2S, label: 'backend' },
        { kind: 'admin', key: ADMIN, label: 'ops' },
        { kind: 'write', key: WRITE, label: 'shop' },
      ]),
    });
    const json = { 'content-type': 'application/json' };
    const basic = (k: string) => `Basic ${Buffer.from(`${k}:`).toString('base64')}`;

    await h.app.inject({ method: 'POST', url: '/v1/s2s', headers: { ...json, authorization: `Bearer ${S2S}` }, payload: { batch: [wireEvent()] } });
    await h.app.inject({ method: 'POST', url: '/v1/s2s', headers: { ...json, authorization: `Bearer ${S2S}-wrong` }, payload: { batch: [] } });
    await h.app.inject({ method: 'POST', url: '/v1/s2s', headers: { ...json, authorization: basic(S2S) }, payload: { batch: [], writeKey: S2S } });
    await postBatch(h.app, [wireEvent()], { headers: { authorization: basic(WRITE) } });
    await h.app.inject({ method: 'POST', url: '/v1/batch', headers: json, payload: { batch: [], writeKey: WRITE } });
    await h.app.inject({ method: 'GET', url: `/p.gif?e=a&uid=u&wk=${WRITE}` });
    await h.app.inject({ method: 'GET', url: '/p.gif?e=Bad&uid=u&wk=wk_wrong_one' });
    await h.app.inject({ method: 'DELETE', url: '/v1/users/u-1', headers: { authorization: `Bearer ${ADMIN}` } });
    await h.app.inject({ method: 'GET', url: '/v1/stats', headers: { authorization: `bearer ${ADMIN}`, cookie: `session=${ADMIN}` } });

    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(9);
    for (const secret of [S2S, ADMIN, WRITE, 'wk_wrong_one', Buffer.from(`${S2S}:`).toString('base64'), Buffer.from(`${WRITE}:`).toString('base64')]) {
      expect(all).not.toContain(secret);
    }
    // The headers are logged, redacted: the proof that redaction ran rather than headers being absent.
    const s2s = lines.map((l) => JSON.parse(l)).find((l) => l.req?.url === '/v1/s2s');
    expect(s2s.req.headers.authorization).toBe('[redacted]');
    expect(all).toContain('wk=[redacted]');
    // A refused key is logged without its value.
    expect(lines.some((l) => l.includes('request refused: no valid key'))).toBe(true);
  });

  it('logs client IPs anonymised and drops the raw X-Forwarded-For chain', async () => {
    const { lines, stream } = capture();
    h = createHarness({ logger: { level: 'debug', stream } });
    await h.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.77', headers: { 'x-forwarded-for': '198.51.100.23' } });
    const line = JSON.parse(lines.find((l) => l.includes('/healthz'))!);
    expect(line.req.ip).toBe('203.0.113.0');
    expect(line.req.headers['x-forwarded-for']).toBe('[redacted]');
    expect(lines.join('')).not.toContain('203.0.113.77');
  });

  it('writes nothing per request at info; a refused request once a minute per status, code and path', async () => {
    const { lines, stream } = capture();
    h = createHarness({ logger: { level: 'info', stream } });
    await postBatch(h.app, [wireEvent()]);
    expect(lines).toEqual([]);
    for (let i = 0; i < 3; i++) await h.app.inject({ method: 'GET', url: '/nope?writeKey=wk_secret' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 30, msg: 'request refused', statusCode: 404, code: 'not-found', path: '/nope', unloggedSinceLastLine: 0 });
    expect(JSON.stringify(lines)).not.toContain('wk_secret');
    expect(collectorCounters(h.app).requestsRefused).toBe(3);
  });
});

describe('redactUrl', () => {
  it('cuts the wk value wherever it is in the query', () => {
    expect(redactUrl('/p.gif?wk=abc&e=x')).toBe('/p.gif?wk=[redacted]&e=x');
    expect(redactUrl('/p.gif?e=x&wk=abc')).toBe('/p.gif?e=x&wk=[redacted]');
    expect(redactUrl('/p.gif?e=x&awk=1')).toBe('/p.gif?e=x&awk=1');
    expect(redactUrl('/beacon/v1/batch?writeKey=wk_1&x=2')).toBe('/beacon/v1/batch?writeKey=[redacted]&x=2');
  });

  it('cuts a read key given as ?key= (the live stream), and only that parameter', () => {
    expect(redactUrl('/v1/live?event=a&key=secret-read-key&session=s')).toBe('/v1/live?event=a&key=[redacted]&session=s');
    expect(redactUrl('/v1/live?monkey=1')).toBe('/v1/live?monkey=1');
  });
});

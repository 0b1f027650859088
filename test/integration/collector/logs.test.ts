/** The structured logs of a real collector process at debug level never contain a key. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { ADMIN_KEY, postJson, send, startCollector, type Collector } from '../../helpers/collector.js';

const ENV_S2S = 's2s-env-secret-0123456789';
const FILE_S2S = 's2s-file-secret-0123456789';
const WRITE = 'wk_logs_test_key';
const WRONG = 'wrong-secret-0123456789abc';

let c: Collector | undefined;
let dir: string;
afterAll(async () => {
  await c?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('logs', () => {
  it('hold requests, headers and refusals, with every key redacted', async () => {
    dir = mkdtempSync(join(tmpdir(), 'homing-logs-'));
    writeFileSync(join(dir, 'keys'), `s2s ${FILE_S2S} backend\n`);
    c = await startCollector({
      dir,
      args: ['--log-level', 'debug', '--keys-file', join(dir, 'keys'), '--write-keys', WRITE],
      env: { HOMING_S2S_KEYS: ENV_S2S, HOMING_ADMIN_KEY: ADMIN_KEY },
    });
    const basic = (k: string) => `Basic ${Buffer.from(`${k}:`).toString('base64')}`;

    await postJson(c.url, '/v1/s2s', { batch: [wireEvent()] }, { authorization: `Bearer ${ENV_S2S}` });
    await postJson(c.url, '/v1/s2s', { batch: [wireEvent()], writeKey: FILE_S2S }, { authorization: basic(FILE_S2S) });
    await postJson(c.url, '/v1/s2s', { batch: [] }, { authorization: `Bearer ${WRONG}` });
    await postJson(c.url, '/v1/batch', { batch: [wireEvent()], writeKey: WRITE });
    await postJson(c.url, '/v1/batch', { batch: [] }, { authorization: basic(WRITE) });
    await postJson(c.url, '/v1/track', { ...wireEvent(), writeKey: WRONG });
    await send(c.url, { path: `/p.gif?e=a&uid=u&wk=${WRITE}` });
    await send(c.url, { path: `/p.gif?e=Bad&uid=u&wk=${WRONG}` });
    await send(c.url, { path: '/v1/stats', headers: { authorization: `Bearer ${ADMIN_KEY}`, cookie: `k=${ADMIN_KEY}` } });
    await send(c.url, { method: 'DELETE', path: '/v1/users/nobody', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    c.proc.kill('SIGHUP');
    await c.waitForOutput(/keys reloaded/, 5_000);
    await c.stop();

    const out = c.output();
    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    // The launcher's readiness probe (GET /healthz) is logged too: count the test's own requests.
    expect(lines.filter((l) => l.msg === 'request completed' && l.req?.url !== '/healthz').length).toBe(10);
    expect(lines.some((l) => l.msg === 'request refused: no valid key')).toBe(true);
    expect(lines.some((l) => l.req?.headers?.authorization === '[redacted]')).toBe(true);
    for (const secret of [ENV_S2S, FILE_S2S, WRITE, WRONG, ADMIN_KEY]) {
      expect(out).not.toContain(secret);
      expect(out).not.toContain(Buffer.from(`${secret}:`).toString('base64'));
    }
  }, 60_000);
});

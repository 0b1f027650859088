/** IP anonymisation and erasure on a real collector process. */
import { afterEach, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { ADMIN_KEY, countRows, postJson, readRows, send, startCollector, type Collector } from '../../helpers/collector.js';

let c: Collector | undefined;
afterEach(async () => {
  await c?.dispose();
  c = undefined;
});

async function storedIp(headers: Record<string, string> = {}, event = wireEvent()): Promise<string> {
  await postJson(c!.url, '/v1/batch', { batch: [event] }, headers);
  return readRows(c!.dbPath, 'message_id = ?', event.messageId)[0].payload.context.ip;
}

describe('client IPs', () => {
  it('are anonymised by default, and X-Forwarded-For is ignored from a peer that is not a trusted proxy', async () => {
    c = await startCollector();
    expect(await storedIp()).toBe('127.0.0.0');
    expect(await storedIp({ 'x-forwarded-for': '198.51.100.23' })).toBe('127.0.0.0');
    // A browser cannot choose its stored IP either.
    const spoofed = wireEvent({ context: { channel: 'browser', library: { name: 'x', version: '1' }, ip: '8.8.8.8' } });
    expect(await storedIp({}, spoofed)).toBe('127.0.0.0');
  });

  it('come from X-Forwarded-For behind a trusted proxy, anonymised: IPv4 last octet, IPv6 last 80 bits', async () => {
    c = await startCollector({ args: ['--trusted-proxies', 'loopback'] });
    expect(await storedIp({ 'x-forwarded-for': '198.51.100.23' })).toBe('198.51.100.0');
    expect(await storedIp({ 'x-forwarded-for': '2001:db8:85a3:8d3:1319:8a2e:370:7348' })).toBe('2001:db8:85a3::');
    // The right-most untrusted hop is the client; a forged left-most entry changes nothing.
    expect(await storedIp({ 'x-forwarded-for': '6.6.6.6, 198.51.100.23, 127.0.0.1' })).toBe('198.51.100.0');
  });

  it('are kept whole with --keep-ip', async () => {
    c = await startCollector({ args: ['--keep-ip', '--trusted-proxies', '127.0.0.1'] });
    expect(await storedIp()).toBe('127.0.0.1');
    expect(await storedIp({ 'x-forwarded-for': '2001:DB8::7' })).toBe('2001:db8::7');
  });

  it('never reach the logs whole', async () => {
    c = await startCollector({ args: ['--log-level', 'debug', '--trusted-proxies', 'loopback'] });
    await storedIp({ 'x-forwarded-for': '198.51.100.23' });
    // Not the first "request completed": the launcher's readiness probe (GET /healthz) is logged too.
    await c.waitForOutput(/"ip":"198\.51\.100\.0"/, 5_000);
    expect(c.output()).toContain('"ip":"198.51.100.0"');
    expect(c.output()).not.toContain('198.51.100.23');
  });
});

describe('DELETE /v1/users/:id', () => {
  it('erases the user, the anonymous events of their devices and their profile, answers the count, and keeps everyone else', async () => {
    c = await startCollector({ env: { HOMING_ADMIN_KEY: ADMIN_KEY } });
    const batch = [
      wireEvent({ anonymousId: 'dev-1' }), // before login
      wireEvent({ anonymousId: 'dev-1', userId: 'ada' }),
      wireEvent({ type: 'identify', event: undefined, anonymousId: 'dev-1', userId: 'ada', traits: { email: 'ada@example.com' } }),
      wireEvent({ anonymousId: 'dev-2', userId: 'ada' }),
      wireEvent({ anonymousId: 'dev-1', userId: 'bob' }), // someone else on the same device
      wireEvent({ anonymousId: 'dev-3' }),
    ];
    await postJson(c.url, '/v1/batch', { batch });
    expect(countRows(c.dbPath)).toBe(6);

    expect((await send(c.url, { method: 'DELETE', path: '/v1/users/ada' })).status).toBe(401);
    expect((await send(c.url, { method: 'DELETE', path: '/v1/users/ada', headers: { authorization: 'Bearer not-the-admin-key-at-all' } })).status).toBe(401);
    expect(countRows(c.dbPath)).toBe(6);

    const res = await send(c.url, { method: 'DELETE', path: '/v1/users/ada', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ userId: 'ada', events: 4, anonymousIds: 2, profiles: 1, manifests: 0 });
    expect(readRows(c.dbPath).map((r) => [r.anonymous_id, r.user_id])).toEqual([
      ['dev-1', 'bob'],
      ['dev-3', null],
    ]);
    expect(c.output()).not.toMatch(/"userId":"ada"/);
  });
});

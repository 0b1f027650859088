/** The tracking pixel of a real collector process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, readRows, send, startCollector, stats, type Collector } from '../../helpers/collector.js';

const GIF_BASE64 = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

let c: Collector;
beforeAll(async () => {
  c = await startCollector({ env: { HOMING_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await c?.dispose();
});

function expectGif(res: Awaited<ReturnType<typeof send>>) {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('image/gif');
  expect(res.headers['cache-control']).toContain('no-store');
  expect(res.headers.pragma).toBe('no-cache');
  expect(res.body.toString('base64')).toBe(GIF_BASE64);
}

describe('GET /p.gif', () => {
  it('records an e-mail open with its parameters, and a re-open with the same mid once', async () => {
    const mid = `open-${Date.now()}`;
    const url = `/p.gif?e=email_opened&mid=${mid}&uid=u-42&p.campaign=spring&p.mail_id=m7&utm_source=newsletter&c.marketing=1`;
    expectGif(await send(c.url, { path: url, headers: { 'user-agent': 'AppleMail/16' } }));
    expectGif(await send(c.url, { path: url, headers: { 'user-agent': 'AppleMail/16' } }));

    const rows = readRows(c.dbPath, 'message_id = ?', mid);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'track', event: 'email_opened', user_id: 'u-42', channel: 'pixel', channels: 'pixel' });
    expect(rows[0].payload.properties).toEqual({ campaign: 'spring', mail_id: 'm7' });
    expect(rows[0].payload.context).toMatchObject({ ip: '127.0.0.0', userAgent: 'AppleMail/16', campaign: { source: 'newsletter' }, consent: { marketing: true } });
  });

  it('without mid, stores a double fetch within the minute once (derived id)', async () => {
    const aid = `a-${Date.now()}`;
    const url = `/p.gif?t=page&n=Pricing&aid=${aid}&url=${encodeURIComponent('https://shop.example/pricing')}`;
    // Both inside one minute unless the test straddles a minute boundary: then two rows, by design.
    const before = Math.floor(Date.now() / 60_000);
    await send(c.url, { path: url });
    await send(c.url, { path: url });
    const sameMinute = Math.floor(Date.now() / 60_000) === before;
    const rows = readRows(c.dbPath, 'anonymous_id = ?', aid);
    expect(rows).toHaveLength(sameMinute ? 1 : 2);
    expect(rows[0]).toMatchObject({ type: 'page', channel: 'pixel' });
    expect(rows[0].payload.context.page).toMatchObject({ path: '/pricing' });
    expect(rows[0].message_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('answers the GIF to bad parameters too, recording nothing but a counter and a log line', async () => {
    const before = (await stats(c)).pixelRejected;
    for (const url of ['/p.gif', '/p.gif?e=email_opened', '/p.gif?e=Bad%20Name&uid=u', '/p.gif?e=a&uid=u&uid=v', '/p.gif?t=screen&uid=u']) {
      expectGif(await send(c.url, { path: url }));
    }
    expect((await stats(c)).pixelRejected).toBe(before + 5);
    await c.waitForOutput(/"code":"missing-parameter".*"msg":"pixel hit not recorded"/, 5_000);
    expect(c.output()).toContain('aid (anonymousId) or uid (userId) is required');
  });
});

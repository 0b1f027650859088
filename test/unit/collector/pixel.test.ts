import { afterEach, describe, expect, it } from 'vitest';
import { collectorCounters, createKeyRing } from '../../../src/collector/index.js';
import { derivedMessageId, parsePixel, TRANSPARENT_GIF, type PixelParse, type PixelRequest } from '../../../src/collector/pixel.js';
import { createFailingStoreHarness } from './failing-store.js';
import { createHarness, type Harness } from './harness.js';
import { NOW } from '../../helpers/events.js';
import { readRows } from '../../helpers/collector.js';

function req(query: Record<string, string | string[]>, overrides: Partial<PixelRequest> = {}): PixelRequest {
  return { query, receivedAt: NOW, ip: '203.0.113.0', userAgent: 'Mail/1.0', referer: undefined, dedupWindowMs: 60_000, ...overrides };
}

describe('parsePixel', () => {
  it('turns the parameters into a track event', () => {
    const parsed = parsePixel(req({ e: 'email_opened', mid: 'm-1', uid: 'u-1', aid: 'a-1', 'p.campaign': 'spring', 'p.variant': 'b', utm_source: 'newsletter', utm_campaign: 'spring', 'c.marketing': '1', 'c.analytics': '0', junk: 'x', wk: 'wk_1' }));
    expect(parsed).toEqual({
      ok: true,
      writeKey: 'wk_1',
      event: {
        type: 'track',
        event: 'email_opened',
        messageId: 'm-1',
        userId: 'u-1',
        anonymousId: 'a-1',
        timestamp: new Date(NOW).toISOString(),
        properties: { campaign: 'spring', variant: 'b' },
        context: {
          channel: 'pixel',
          library: { name: 'homing-pixel', version: expect.any(String) },
          userAgent: 'Mail/1.0',
          campaign: { source: 'newsletter', name: 'spring' },
          consent: { marketing: true, analytics: false },
        },
      },
    });
  });

  it('records a <noscript> page view with the page from url, or else from the Referer', () => {
    const fromUrl = parsePixel(req({ t: 'page', n: 'Pricing', aid: 'a-1', url: 'https://shop.example/pricing?x=1' }));
    expect(fromUrl).toMatchObject({
      ok: true,
      event: { type: 'page', name: 'Pricing', context: { page: { url: 'https://shop.example/pricing?x=1', path: '/pricing', search: '?x=1' } } },
    });
    const fromReferer = parsePixel(req({ t: 'page', aid: 'a-1' }, { referer: 'https://shop.example/' }));
    expect(fromReferer).toMatchObject({ ok: true, event: { context: { page: { path: '/' } } } });
    // An unreadable Referer is only missing context.
    expect(parsePixel(req({ t: 'page', aid: 'a-1' }, { referer: 'android-app://x' }))).toMatchObject({ ok: true });
  });

  it.each([
    [{ uid: 'u' }, 'missing-parameter', 'e (the event name) is required'],
    [{ e: 'email_opened' }, 'missing-parameter', 'aid (anonymousId) or uid (userId) is required'],
    [{ t: 'identify', uid: 'u' }, 'invalid-parameter', 't must be track or page'],
    [{ e: 'a', uid: ['u1', 'u2'] }, 'duplicate-parameter', 'parameter uid is given 2 times'],
    [{ e: 'a', uid: 'u', 'c.ads': 'yes' }, 'invalid-parameter', 'c.ads must be 1 (granted) or 0 (denied)'],
    [{ t: 'page', uid: 'u', url: 'javascript:alert(1)' }, 'invalid-parameter', 'url must be an absolute http(s) URL'],
  ])('refuses %j', (query, code, reason) => {
    expect(parsePixel(req(query))).toEqual({ ok: false, code, reason });
  });

  it('records a plain <noscript> page view with no id: its visitor is a per-day id of the IP, User-Agent and site', () => {
    const hit = (overrides: Partial<PixelRequest> = {}) => parsePixel(req({ t: 'page' }, { referer: 'https://shop.example/pricing', userAgent: 'Firefox/153', ...overrides }));
    const first = hit();
    expect(first).toMatchObject({ ok: true, event: { type: 'page', context: { channel: 'pixel', page: { url: 'https://shop.example/pricing' } } } });
    const visitor = (parsed: PixelParse) => (parsed.ok ? (parsed.event.anonymousId as string) : `refused: ${parsed.reason}`);
    const id = visitor(first);
    expect(id).toMatch(/^day-[0-9a-f]{32}$/);
    expect(first.ok && first.event).not.toHaveProperty('userId');
    // The same all day, for this visitor on this site; another day, address, browser or site is another.
    expect(hit({ receivedAt: NOW + 3_600_000 })).toMatchObject({ event: { anonymousId: id } });
    for (const other of [{ receivedAt: NOW + 86_400_000 }, { ip: '198.51.100.0' }, { userAgent: 'Safari/18' }, { referer: 'https://blog.example/' }]) {
      expect(visitor(hit(other))).not.toBe(id);
    }
    // A track event still needs an id.
    expect(parsePixel(req({ e: 'email_opened' }))).toMatchObject({ ok: false, code: 'missing-parameter' });
  });

  it('keeps parameters named like Object.prototype members as plain data', () => {
    const parsed = parsePixel(req({ e: 'a', uid: 'u', 'p.__proto__': 'x', constructor: 'y', 'p.toString': 'z' }));
    expect(parsed.ok && JSON.stringify(parsed.event.properties)).toBe('{"__proto__":"x","toString":"z"}');
  });
});

describe('derivedMessageId (no mid)', () => {
  const params = { e: 'email_opened', uid: 'u-1' };

  it('is a UUIDv7 whose time is the start of the minute', () => {
    const id = derivedMessageId(params, req(params));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Math.floor(NOW / 60_000) * 60_000);
  });

  it('is the same for the same hit in the same minute, whatever the parameter order or write key', () => {
    const a = derivedMessageId(params, req(params));
    expect(derivedMessageId({ uid: 'u-1', e: 'email_opened', wk: 'k' }, req(params, { receivedAt: NOW + 30_000 }))).toBe(a);
  });

  it('differs for another minute, another recipient, another IP or another User-Agent', () => {
    const a = derivedMessageId(params, req(params));
    expect(derivedMessageId(params, req(params, { receivedAt: NOW + 60_000 }))).not.toBe(a);
    expect(derivedMessageId({ ...params, uid: 'u-2' }, req(params))).not.toBe(a);
    expect(derivedMessageId(params, req(params, { ip: '198.51.100.0' }))).not.toBe(a);
    expect(derivedMessageId(params, req(params, { userAgent: 'Other' }))).not.toBe(a);
  });
});

describe('GET /p.gif', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });

  function expectGif(res: Awaited<ReturnType<typeof get>>) {
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    expect(res.headers['cache-control']).toBe('no-store, no-cache, must-revalidate, max-age=0');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.rawPayload.equals(TRANSPARENT_GIF)).toBe(true);
  }

  it('answers a transparent GIF, uncacheable, and records the event on the pixel channel with the anonymised IP', async () => {
    h = createHarness();
    const res = await get('/p.gif?e=email_opened&mid=open-1&uid=u-1&p.campaign=spring', { 'user-agent': 'Mail/1.0' });

    expectGif(res);
    const stored = h.store.getEvent('open-1')!;
    expect(stored).toMatchObject({ type: 'track', event: 'email_opened', userId: 'u-1', channel: 'pixel', channels: ['pixel'] });
    expect(stored.payload.properties).toEqual({ campaign: 'spring' });
    expect(stored.payload.context).toMatchObject({ channel: 'pixel', ip: '127.0.0.0', userAgent: 'Mail/1.0' });
  });

  it('records a plain <noscript> page view (no id at all) as an anonymous page view of the page in the Referer', async () => {
    h = createHarness();
    const headers = { 'user-agent': 'Firefox/153', referer: 'https://shop.example/pricing' };
    expectGif(await get('/p.gif?t=page', headers));
    expectGif(await get('/p.gif?t=page', headers)); // a reload within the minute: the same hit
    const rows = readRows(h.dbPath);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'page', channel: 'pixel', user_id: null });
    expect(rows[0].anonymous_id).toMatch(/^day-[0-9a-f]{32}$/);
    expect(rows[0].payload.context.page).toMatchObject({ url: 'https://shop.example/pricing', path: '/pricing' });
    expect(collectorCounters(h.app).pixelRejected).toBe(0);
  });

  it('stores a re-open with the same mid once', async () => {
    h = createHarness();
    await get('/p.gif?e=email_opened&mid=open-1&uid=u-1');
    await get('/p.gif?e=email_opened&mid=open-1&uid=u-1');
    expect(h.store.count()).toBe(1);
    expect(collectorCounters(h.app)).toMatchObject({ eventsAccepted: 1, eventsDuplicate: 1 });
  });

  it('always answers the GIF, and counts and logs what it did not record', async () => {
    h = createHarness();
    for (const url of [
      '/p.gif',
      '/p.gif?e=email_opened',
      '/p.gif?e=Email%20Opened&uid=u-1', // the schema's event name rule
      '/p.gif?e=a&uid=u-1&p.bad-name=1',
      '/p.gif?e=a&uid=u&uid=v',
      `/p.gif?e=a&uid=u&mid=${'x'.repeat(101)}`,
    ]) {
      expectGif(await get(url));
    }
    expect(h.store.count()).toBe(0);
    expect(collectorCounters(h.app).pixelRejected).toBe(6);
  });

  it('records nothing for a HEAD request', async () => {
    h = createHarness();
    const res = await h.app.inject({ method: 'HEAD', url: '/p.gif?e=email_opened&mid=m&uid=u' });
    expect(res.statusCode).toBe(200);
    expect(h.store.count()).toBe(0);
  });

  it('answers the GIF to a refused origin too, recording nothing', async () => {
    h = createHarness({ origins: ['https://shop.example'] });
    expectGif(await get('/p.gif?e=a&uid=u&mid=m1', { origin: 'https://evil.example' }));
    expectGif(await get('/p.gif?e=a&uid=u&mid=m2', { origin: 'https://shop.example' }));
    expect(h.store.getEvent('m1')).toBeUndefined();
    expect(h.store.getEvent('m2')).toBeDefined();
  });

  it('needs the write key in wk once write keys are configured', async () => {
    h = createHarness({ keys: createKeyRing([{ kind: 'write', key: 'wk_shop', label: 'shop' }]) });
    expectGif(await get('/p.gif?e=a&uid=u&mid=m1'));
    expectGif(await get('/p.gif?e=a&uid=u&mid=m2&wk=wrong'));
    expectGif(await get('/p.gif?e=a&uid=u&mid=m3&wk=wk_shop'));
    expect(h.store.count()).toBe(1);
    expect(h.store.getEvent('m3')).toBeDefined();
    expect(collectorCounters(h.app).pixelRejected).toBe(2);
  });

  it('answers the GIF when the store fails, and counts it', async () => {
    h = createFailingStoreHarness();
    expectGif(await get('/p.gif?e=a&uid=u&mid=m1'));
    expect(collectorCounters(h.app).pixelFailed).toBe(1);
  });
});

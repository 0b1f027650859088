import { describe, expect, it } from 'vitest';
import { campaignFrom, enrich } from '../../../src/capture/enrich.js';
import type { Capture, PageEnvironment } from '../../../src/shared/protocol.js';

const env: PageEnvironment = {
  userAgent: 'UA/1.0',
  locale: 'en-GB',
  timezone: 'Europe/London',
  screen: { width: 1280, height: 800, density: 2 },
};
const page = { url: 'https://shop.test/p?utm_source=news&utm_campaign=x', path: '/p', search: '?utm_source=news&utm_campaign=x', title: 'P', referrer: '' };

describe('enrich', () => {
  it('builds a Segment-shaped track event with the page, device and campaign context', () => {
    const capture: Capture & { type: 'track' } = { type: 'track', messageId: 'm1', ts: Date.UTC(2026, 10, 28, 12), event: 'add_to_cart', properties: { sku: 'a' }, page };
    expect(enrich(capture, { anonymousId: 'anon' }, env)).toEqual({
      type: 'track',
      event: 'add_to_cart',
      properties: { sku: 'a' },
      messageId: 'm1',
      anonymousId: 'anon',
      timestamp: '2026-11-28T12:00:00.000Z',
      context: {
        channel: 'browser',
        library: { name: 'homing', version: expect.any(String) },
        page,
        userAgent: 'UA/1.0',
        locale: 'en-GB',
        timezone: 'Europe/London',
        screen: { width: 1280, height: 800, density: 2 },
        campaign: { source: 'news', name: 'x' },
      },
    });
  });

  it('carries identify, alias and group fields and the known user', () => {
    const base = { messageId: 'm', ts: 0, page: { ...page, search: '' } } as const;
    expect(enrich({ ...base, type: 'identify', userId: 'u1', traits: { plan: 'pro' } }, { anonymousId: 'a' }, env)).toMatchObject({ userId: 'u1', traits: { plan: 'pro' } });
    expect(enrich({ ...base, type: 'alias', userId: 'u2', previousId: 'u1' }, { anonymousId: 'a' }, env)).toMatchObject({ userId: 'u2', previousId: 'u1' });
    expect(enrich({ ...base, type: 'group', groupId: 'g' }, { anonymousId: 'a', userId: 'u1' }, env)).toMatchObject({ groupId: 'g', userId: 'u1' });
    expect(enrich({ ...base, type: 'page' }, { anonymousId: 'a' }, env).properties).toEqual({});
  });

  it('a screen view is shaped like a page view: its name, and properties always', () => {
    const base = { messageId: 'm', ts: 0, page: { ...page, search: '' } } as const;
    const screen = enrich({ ...base, type: 'screen', name: 'Checkout', properties: { step: 2 } }, { anonymousId: 'a', userId: 'u1' }, env);
    expect(screen).toMatchObject({ type: 'screen', name: 'Checkout', properties: { step: 2 }, userId: 'u1', context: { channel: 'browser' } });
    expect(screen.event).toBeUndefined();
    expect(enrich({ ...base, type: 'screen' }, { anonymousId: 'a' }, env).properties).toEqual({});
    // Calls that are not views carry no properties.
    expect(enrich({ ...base, type: 'group', groupId: 'g' }, { anonymousId: 'a' }, env)).not.toHaveProperty('properties');
  });
});

describe('campaignFrom', () => {
  it('maps utm_* parameters to context.campaign names', () => {
    expect(campaignFrom('?utm_source=a&utm_medium=b&utm_campaign=c&utm_term=d&utm_content=e')).toEqual({ source: 'a', medium: 'b', name: 'c', term: 'd', content: 'e' });
    expect(campaignFrom('?q=1')).toBeUndefined();
    expect(campaignFrom('?utm_source=')).toBeUndefined();
  });
});

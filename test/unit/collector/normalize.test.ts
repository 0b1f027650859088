import { describe, expect, it } from 'vitest';
import { createNormalizer, toStoredEvent } from '../../../src/collector/normalize.js';
import { NOW, wireEvent } from '../../helpers/events.js';

describe('toStoredEvent', () => {
  it('lifts report columns out of the event', () => {
    const stored = toStoredEvent(wireEvent({ userId: 'u-1' }), { receivedAt: NOW, batchSentAt: null });
    expect(stored).toMatchObject({
      type: 'track',
      event: 'product_viewed',
      anonymousId: 'anon-1',
      userId: 'u-1',
      ts: Date.parse('2026-11-28T12:00:00.000Z'),
      receivedAt: NOW,
      sentAt: null,
      seq: 1,
      sessionId: 'sess-1',
      channel: 'browser',
      utmSource: 'news',
      utmMedium: 'email',
      utmCampaign: 'spring',
      pageUrl: 'https://shop.example/p/1?utm_source=news',
      pagePath: '/p/1',
    });
  });

  it('falls back to null for context fields other SDKs send in other shapes, or not at all', () => {
    const { context: _omit, ...bare } = wireEvent({ userId: null });
    const noContext = toStoredEvent(bare as never, { receivedAt: NOW, batchSentAt: null });
    expect(noContext).toMatchObject({ userId: null, seq: null, sessionId: null, channel: null, utmSource: null, pageUrl: null });

    const odd = toStoredEvent(
      wireEvent({ context: { channel: 'browser', library: { name: 'x', version: '1' }, campaign: 'spring' as never, page: [] as never } }),
      { receivedAt: NOW, batchSentAt: null },
    );
    expect(odd).toMatchObject({ utmSource: null, utmCampaign: null, pagePath: null, channel: 'browser' });
  });

  it('keeps the whole event in the payload, with receivedAt and originalTimestamp added', () => {
    const e = wireEvent({ properties: { nested: { a: [1, 2] } } });
    // The normalizer takes ownership of the event (no copy), so compare against a snapshot.
    const sent = structuredClone(e);
    const stored = toStoredEvent(e, { receivedAt: NOW, batchSentAt: Date.parse('2026-11-28T12:00:01.000Z') });
    expect(stored.payload).toEqual({
      ...sent,
      timestamp: new Date(NOW - 1_000).toISOString(),
      originalTimestamp: sent.timestamp,
      receivedAt: new Date(NOW).toISOString(),
    });
  });

  it('stamps every event of one request with the same receivedAt', () => {
    const normalize = createNormalizer({ receivedAt: NOW, batchSentAt: null });
    const rows = [wireEvent(), wireEvent()].map(normalize);
    expect(rows.map((r) => r.payload.receivedAt)).toEqual([new Date(NOW).toISOString(), new Date(NOW).toISOString()]);
  });

  it("stamps the arrival channel and client IP into context, replacing what the client claimed", () => {
    const e = wireEvent({ context: { channel: 'server', library: { name: 'x', version: '1' }, ip: '8.8.8.8' } });
    const stored = toStoredEvent(e, { receivedAt: NOW, batchSentAt: null, channel: 'browser', ip: '203.0.113.0' });
    expect(stored.channel).toBe('browser');
    expect(stored.payload.context).toMatchObject({ channel: 'browser', ip: '203.0.113.0' });
  });

  it('creates a context for an event without one, and drops context.ip when the client IP is unknown', () => {
    const { context: _omit, ...bare } = wireEvent();
    const stored = toStoredEvent(bare as never, { receivedAt: NOW, batchSentAt: null, channel: 'pixel', ip: null });
    expect(stored.payload.context).toEqual({ channel: 'pixel' });
  });

  it("keeps a server's context.ip through senderIp, falling back to the request's IP when it is not one", () => {
    const arrival = { receivedAt: NOW, batchSentAt: null, channel: 'server' as const, ip: '10.0.0.0', senderIp: (ip: string) => (ip === 'bad' ? null : `${ip}!`) };
    const sent = (ip: string) => wireEvent({ context: { channel: 'server', library: { name: 'x', version: '1' }, ip } });
    expect(toStoredEvent(sent('198.51.100.1'), arrival).payload.context.ip).toBe('198.51.100.1!');
    expect(toStoredEvent(sent('bad'), arrival).payload.context.ip).toBe('10.0.0.0');
  });
});

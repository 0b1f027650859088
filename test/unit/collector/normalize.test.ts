import { describe, expect, it } from 'vitest';
import { correctTimestamp, createNormalizer, toStoredEvent } from '../../../src/collector/normalize.js';
import { NOW, wireEvent } from './harness.js';

describe('correctTimestamp', () => {
  it('moves the capture time by the skew between the client clock and the collector clock', () => {
    // Client 10 min behind: sent at 11:50:00 by its clock, captured 30 s before.
    const sent = Date.parse('2026-11-28T11:50:10Z');
    const captured = sent - 30_000;
    expect(correctTimestamp(captured, sent, NOW)).toBe(NOW - 30_000);
  });

  it('leaves the time alone without sentAt', () => {
    expect(correctTimestamp(123, null, NOW)).toBe(123);
  });
});

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
});

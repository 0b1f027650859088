import { describe, expect, it } from 'vitest';
import { correctTimestamp, eventTime } from '../../../src/collector/timestamps.js';
import { NOW } from '../../helpers/events.js';

const iso = (ms: number) => new Date(ms).toISOString();
const library = (name: string) => ({ context: { library: { name, version: '1' } } });

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

describe('eventTime: Segment rules for every client', () => {
  const skewedSentAt = NOW - 600_000; // the client's clock is 10 min behind

  it("corrects a browser client's timestamp (Homing's SDK) by the skew, keeping what it sent", () => {
    const timestamp = iso(skewedSentAt - 5_000);
    expect(eventTime({ timestamp, ...library('homing') }, skewedSentAt, NOW, 'browser')).toEqual({ ts: NOW - 5_000, original: timestamp });
  });

  it('corrects from originalTimestamp when a client sends it (analytics-next, RudderStack), even beside a timestamp', () => {
    const originalTimestamp = iso(skewedSentAt - 2_000);
    const timestamp = iso(skewedSentAt - 9_999);
    expect(eventTime({ originalTimestamp, timestamp }, skewedSentAt, NOW, 'browser')).toEqual({ ts: NOW - 2_000, original: originalTimestamp });
    expect(eventTime({ originalTimestamp }, skewedSentAt, NOW, 'app')).toEqual({ ts: NOW - 2_000, original: originalTimestamp });
  });

  it("keeps a server's explicit timestamp as sent: on the server channel, or from a server library", () => {
    const historical = '2025-01-02T03:04:05.678Z';
    const sentAt = NOW - 3; // a server clock, a few ms of transit
    expect(eventTime({ timestamp: historical }, sentAt, NOW, 'server').ts).toBe(Date.parse(historical));
    expect(eventTime({ timestamp: historical, ...library('@segment/analytics-node') }, sentAt, NOW, 'browser')).toEqual({
      ts: Date.parse(historical),
      original: historical,
    });
    // RudderStack's server library puts the caller's time in originalTimestamp.
    expect(eventTime({ originalTimestamp: historical, ...library('analytics-node') }, sentAt, NOW, 'browser').ts).toBe(Date.parse(historical));
  });

  it('uses the receipt time when the event carries no time at all (the HTTP API allows it)', () => {
    expect(eventTime({}, skewedSentAt, NOW, 'browser')).toEqual({ ts: NOW, original: null });
  });
});

import { describe, expect, it } from 'vitest';
import { bucketFor, customRange, presetRange, toLocalInput } from '../../../src/dashboard/range.js';

describe('dashboard time ranges', () => {
  const now = Date.parse('2026-11-28T12:00:10.000Z');

  it('ends a preset at the next whole minute and picks a bucket for its span', () => {
    expect(presetRange('1h', now)).toEqual({ from: Date.parse('2026-11-28T11:01:00Z'), to: Date.parse('2026-11-28T12:01:00Z'), bucket: 'minute' });
    expect(presetRange('24h', now).bucket).toBe('hour');
    expect(presetRange('7d', now).bucket).toBe('hour');
    expect(presetRange('30d', now)).toMatchObject({ bucket: 'day', to: Date.parse('2026-11-28T12:01:00Z') });
  });

  it('chooses minute buckets up to 6 h, hour buckets up to 8 days, day buckets beyond', () => {
    expect(bucketFor(6 * 3_600_000)).toBe('minute');
    expect(bucketFor(6 * 3_600_000 + 1)).toBe('hour');
    expect(bucketFor(8 * 86_400_000)).toBe('hour');
    expect(bucketFor(8 * 86_400_000 + 1)).toBe('day');
  });

  it('accepts a custom range and refuses an empty, reversed or overlong one with a reason', () => {
    const ok = customRange('2026-11-01T00:00', '2026-11-03T00:00');
    expect(ok).toMatchObject({ ok: true, range: { bucket: 'hour' } });
    if (ok.ok) expect(ok.range.to - ok.range.from).toBe(2 * 86_400_000);
    expect(customRange('', '2026-11-03T00:00')).toEqual({ ok: false, reason: 'Pick both a start and an end.' });
    expect(customRange('2026-11-03T00:00', '2026-11-01T00:00')).toEqual({ ok: false, reason: 'The end must be after the start.' });
    expect(customRange('2024-01-01T00:00', '2026-01-01T00:00')).toEqual({ ok: false, reason: 'Pick at most a year.' });
  });

  it('writes the local time a datetime-local input shows, which parses back to the same minute', () => {
    const t = Date.parse('2026-03-05T07:09:00Z');
    const text = toLocalInput(t);
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(Date.parse(text)).toBe(t);
  });
});

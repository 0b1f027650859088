import { describe, expect, it } from 'vitest';
import { MAX_FILTER_LENGTH, matchesLiveFilter, parseLiveFilter, type LiveFilter } from '../../../src/collector/live/filter.js';
import type { LiveEvent } from '../../../src/shared/reports.js';

function live(overrides: Partial<LiveEvent> = {}): LiveEvent {
  return {
    at: 1, channel: 'browser', messageId: 'm1', type: 'track', event: 'add_to_cart', anonymousId: 'dev-1', userId: null,
    sessionId: 's-1', result: 'accepted', ...overrides,
  };
}

function filter(query: Record<string, unknown>): LiveFilter {
  const parsed = parseLiveFilter(query);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.filter;
}

describe('live filter', () => {
  it('matches everything without filters', () => {
    const f = filter({});
    expect(f).toEqual({ events: null, device: null, session: null });
    expect(matchesLiveFilter(f, live())).toBe(true);
    expect(matchesLiveFilter(f, live({ event: null, type: null, messageId: null }))).toBe(true);
  });

  it('matches one event name or any of a comma list', () => {
    expect(matchesLiveFilter(filter({ event: 'add_to_cart' }), live())).toBe(true);
    expect(matchesLiveFilter(filter({ event: 'purchase_completed' }), live())).toBe(false);
    expect(matchesLiveFilter(filter({ event: 'purchase_completed, add_to_cart' }), live())).toBe(true);
  });

  it('matches unnamed events (page, identify) by their type', () => {
    expect(matchesLiveFilter(filter({ event: 'page' }), live({ type: 'page', event: null }))).toBe(true);
    expect(matchesLiveFilter(filter({ event: 'page' }), live())).toBe(false);
    expect(matchesLiveFilter(filter({ event: 'page' }), live({ type: null, event: null }))).toBe(false);
  });

  it('requires every given filter to match', () => {
    const f = filter({ event: 'add_to_cart', device: 'dev-1', session: 's-1' });
    expect(matchesLiveFilter(f, live())).toBe(true);
    expect(matchesLiveFilter(f, live({ anonymousId: 'dev-2' }))).toBe(false);
    expect(matchesLiveFilter(f, live({ sessionId: 's-2' }))).toBe(false);
    expect(matchesLiveFilter(f, live({ sessionId: null }))).toBe(false);
  });

  it('treats empty values as absent', () => {
    expect(filter({ event: '', device: '', session: '' })).toEqual({ events: null, device: null, session: null });
  });

  it('refuses repeated, overlong and empty-list filters with a reason', () => {
    expect(parseLiveFilter({ device: ['a', 'b'] })).toEqual({ ok: false, reason: '?device must be given once' });
    expect(parseLiveFilter({ session: 'x'.repeat(MAX_FILTER_LENGTH + 1) })).toMatchObject({ ok: false, reason: expect.stringContaining('longer than') });
    expect(parseLiveFilter({ event: ' , ,' })).toEqual({ ok: false, reason: '?event names no event' });
    expect(parseLiveFilter({ event: Array.from({ length: 51 }, (_, i) => `e${i}`).join(',') })).toMatchObject({ ok: false });
  });
});

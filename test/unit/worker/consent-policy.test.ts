import { describe, expect, it } from 'vitest';
import { deliverable, granted, withdrawn } from '../../../src/shared/consent.js';
import { consentSettings, decide, needsOf, signalDenials, withoutForbidden, type ConsentSettings } from '../../../src/capture/consent-policy.js';
import { makeEvent } from '../../helpers/events.js';

const T = Date.UTC(2026, 10, 28, 12);
const settings = (options = {}) => consentSettings(options) as ConsentSettings;
const track = (event: string) => makeEvent('m1', { event });

describe('consent settings', () => {
  it('no consent configuration: no settings (nothing is gated)', () => {
    expect(consentSettings(undefined)).toBeNull();
  });

  it('defaults: analytics required, buffer for 30 minutes, no signals honoured', () => {
    expect(settings()).toEqual({
      required: ['analytics'],
      policy: 'buffer',
      bufferMs: 30 * 60_000,
      purposes: {},
      honorDnt: false,
      honorGpc: false,
      known: ['analytics', 'marketing'],
    });
  });

  it('keeps what the site set and ignores what it cannot use', () => {
    const s = settings({ required: ['stats', 7], policy: 'nope', bufferMs: -1, purposes: { ad_click: 'marketing', x: '' }, honorDnt: true });
    expect(s).toMatchObject({ required: ['stats'], policy: 'buffer', bufferMs: 30 * 60_000, purposes: { ad_click: 'marketing' }, honorDnt: true });
    expect(s.known).toEqual(['analytics', 'marketing', 'stats']);
  });
});

describe('what an event needs', () => {
  const s = settings({ purposes: { ad_click: 'marketing', page: 'personalisation', screen: 'marketing', constructor: 'x' } });
  it.each([
    ['a plain track event', track('add_to_cart'), ['analytics']],
    ['an event mapped to marketing', track('ad_click'), ['analytics', 'marketing']],
    ['a page view, by type', makeEvent('p', { type: 'page', event: undefined }), ['analytics', 'personalisation']],
    ['a screen view, by type', makeEvent('s', { type: 'screen', event: undefined, name: 'Checkout' }), ['analytics', 'marketing']],
    ['an identify, by type', makeEvent('i', { type: 'identify', event: undefined }), ['analytics']],
  ])('%s', (_what, event, needs) => {
    expect(needsOf(event, s)).toEqual(needs);
  });

  it('an event named like an Object.prototype member is not confused with one', () => {
    expect(needsOf(track('to_string'), settings())).toEqual(['analytics']);
    expect(needsOf(track('constructor'), s)).toEqual(['analytics', 'x']);
  });
});

describe('the decision at capture, by policy', () => {
  const ad = track('ad_click');
  const cases: Array<[string, Record<string, boolean> | undefined, string, unknown]> = [
    ['granted', { analytics: true }, 'buffer', { kind: 'keep', gate: { needs: ['analytics'] } }],
    ['denied', { analytics: false }, 'buffer', { kind: 'drop' }],
    ['denied, anonymous policy', { analytics: false }, 'anonymous', { kind: 'drop' }],
    ['undecided, buffer', undefined, 'buffer', { kind: 'hold', gate: { needs: ['analytics'], until: T + 30 * 60_000 } }],
    ['undecided, drop', {}, 'drop', { kind: 'drop' }],
    ['undecided, anonymous', { marketing: true }, 'anonymous', { kind: 'anonymous', gate: { needs: ['analytics'], anonymous: true } }],
  ];
  it.each(cases)('%s', (_what, consent, policy, decision) => {
    expect(decide(track('add_to_cart'), consent, settings({ policy }), T)).toEqual(decision);
  });

  it('an event needing more than `required` waits for all of its purposes', () => {
    const s = settings({ purposes: { ad_click: 'marketing' } });
    expect(decide(ad, { analytics: true }, s, T)).toMatchObject({ kind: 'hold' });
    expect(decide(ad, { analytics: true, marketing: false }, s, T)).toEqual({ kind: 'drop' });
    expect(decide(ad, { analytics: true, marketing: true }, s, T)).toEqual({ kind: 'keep', gate: { needs: ['analytics', 'marketing'] } });
  });

  it('anonymous: an identify, alias or group call is identifying, so it is dropped', () => {
    const s = settings({ policy: 'anonymous' });
    for (const type of ['identify', 'alias', 'group'] as const) expect(decide(makeEvent('i', { type, event: undefined }), {}, s, T)).toEqual({ kind: 'drop' });
    expect(decide(makeEvent('p', { type: 'page', event: undefined }), {}, s, T).kind).toBe('anonymous');
    // A screen view, like a page view, identifies no one: sent anonymously.
    expect(decide(makeEvent('s', { type: 'screen', event: undefined, name: 'Home' }), {}, s, T).kind).toBe('anonymous');
  });

  it('nothing required: events go ungated', () => {
    expect(decide(track('add_to_cart'), undefined, settings({ required: [] }), T)).toEqual({ kind: 'keep' });
  });
});

describe('Do Not Track and Global Privacy Control', () => {
  const s = settings({ honorDnt: true, honorGpc: true, required: ['stats'], purposes: { ad_click: 'ads' } });
  it.each([
    ['DNT denies every purpose the site names', { dnt: true, gpc: false }, ['analytics', 'marketing', 'stats', 'ads']],
    ['DNT and GPC: still everything', { dnt: true, gpc: true }, ['analytics', 'marketing', 'stats', 'ads']],
    ['GPC denies marketing', { dnt: false, gpc: true }, ['marketing']],
    ['neither', { dnt: false, gpc: false }, []],
  ])('%s', (_what, signals, denied) => {
    expect(signalDenials(signals, s)).toEqual(denied);
  });

  it('only when the site honours them', () => {
    expect(signalDenials({ dnt: true, gpc: true }, settings())).toEqual([]);
    expect(signalDenials({ dnt: true, gpc: true }, settings({ honorGpc: true }))).toEqual(['marketing']);
  });

  it('a later grant of a purpose the signals deny is ignored; denials and other grants stand', () => {
    expect(withoutForbidden({ analytics: true, marketing: true }, ['marketing'])).toEqual({ analytics: true });
    expect(withoutForbidden({ marketing: false, x: 'yes' as unknown as boolean }, ['marketing'])).toEqual({ marketing: false });
  });
});

describe('shared consent rules', () => {
  it('deliverable at send time', () => {
    expect(deliverable(undefined, undefined, T)).toBe(true);
    expect(deliverable({ needs: ['analytics'] }, { analytics: true }, T)).toBe(true);
    expect(deliverable({ needs: ['analytics'] }, { analytics: false }, T)).toBe(false);
    expect(deliverable({ needs: ['analytics'] }, {}, T)).toBe(false);
    expect(deliverable({ needs: ['analytics'], until: T }, { analytics: true }, T)).toBe(true);
    expect(deliverable({ needs: ['analytics'], until: T - 1 }, { analytics: true }, T)).toBe(false);
    expect(deliverable({ needs: ['analytics'], anonymous: true }, {}, T)).toBe(true);
    expect(deliverable({ needs: ['analytics'], anonymous: true }, { analytics: false }, T)).toBe(false);
  });

  it('withdrawn and granted purposes of an update', () => {
    expect(withdrawn({ analytics: true, marketing: false }, { analytics: false, marketing: false, x: false })).toEqual(['analytics', 'x']);
    expect(granted({ analytics: true }, { analytics: true, marketing: true })).toEqual(['marketing']);
  });
});

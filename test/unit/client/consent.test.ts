// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { purposesFromConsentMode, purposesFromTcf, readSignals, startConsent, type ConsentModeState, type TcData } from '../../../src/client/consent.js';
import type { PrivacyInit, PrivacySignals } from '../../../src/shared/protocol.js';

/** What gtag pushes: its own `arguments` object. */
function args(...values: unknown[]): IArguments {
  return (function (..._: unknown[]) {
    // eslint-disable-next-line prefer-rest-params -- gtag pushes exactly this
    return arguments;
  })(...values);
}

describe('IAB TCF v2 → purposes', () => {
  const consents = (c: Record<number, boolean>): TcData => ({ eventStatus: 'tcloaded', gdprApplies: true, purpose: { consents: c } });
  it.each<[string, TcData | null, unknown]>([
    ['purpose 1 → analytics', consents({ 1: true }), { analytics: true, marketing: false }],
    ['purposes 1, 3 and 4 → both', consents({ 1: true, 3: true, 4: true }), { analytics: true, marketing: true }],
    ['3 without 4 is no marketing', consents({ 1: true, 3: true }), { analytics: true, marketing: false }],
    ['4 without 3 is no marketing', consents({ 1: true, 4: true }), { analytics: true, marketing: false }],
    ['no consents: both denied', consents({}), { analytics: false, marketing: false }],
    ['no purpose object at all: both denied', { eventStatus: 'tcloaded', gdprApplies: true }, { analytics: false, marketing: false }],
    ['after the user acted', { ...consents({ 1: true }), eventStatus: 'useractioncomplete' }, { analytics: true, marketing: false }],
    ['while the CMP UI is shown: no decision', { ...consents({ 1: true }), eventStatus: 'cmpuishown' }, null],
    ['GDPR does not apply: no consent needed', { eventStatus: 'tcloaded', gdprApplies: false }, { analytics: true, marketing: true }],
    ['nothing', null, null],
  ])('%s', (_what, data, purposes) => {
    expect(purposesFromTcf(data)).toEqual(purposes);
  });
});

describe('Google Consent Mode → purposes', () => {
  it.each<[string, unknown, unknown]>([
    ['update granted', args('consent', 'update', { analytics_storage: 'granted', ad_storage: 'granted' }), { analytics: true, marketing: true }],
    ['update denied', args('consent', 'update', { analytics_storage: 'denied', ad_storage: 'denied' }), { analytics: false, marketing: false }],
    ['update of one purpose', args('consent', 'update', { ad_storage: 'granted' }), { marketing: true }],
    ['default granted counts', args('consent', 'default', { analytics_storage: 'granted', ad_storage: 'denied' }), { analytics: true }],
    ['default denied is undecided', args('consent', 'default', { analytics_storage: 'denied' }), null],
    ['a plain array works too', ['consent', 'update', { analytics_storage: 'granted' }], { analytics: true }],
    ['other gtag commands', args('config', 'G-123', {}), null],
    ['other consent actions', args('consent', 'other', { analytics_storage: 'granted' }), null],
    ['other parameters only', args('consent', 'update', { functionality_storage: 'granted' }), null],
    ['a GTM event object', { event: 'gtm.js' }, null],
    ['no params', args('consent', 'update'), null],
  ])('%s', (_what, entry, purposes) => {
    expect(purposesFromConsentMode(entry, { regional: false })).toEqual(purposes);
  });

  it('a region-scoped default disables every default after it (the visitor may be in that region)', () => {
    const state: ConsentModeState = { regional: false };
    expect(purposesFromConsentMode(args('consent', 'default', { analytics_storage: 'denied', region: ['FR'] }), state)).toBeNull();
    expect(state.regional).toBe(true);
    expect(purposesFromConsentMode(args('consent', 'default', { analytics_storage: 'granted' }), state)).toBeNull();
    expect(purposesFromConsentMode(args('consent', 'update', { analytics_storage: 'granted' }), state)).toEqual({ analytics: true });
  });
});

describe('DNT and GPC', () => {
  const nav = (doNotTrack: string | null, globalPrivacyControl?: boolean) => ({ doNotTrack, globalPrivacyControl }) as unknown as Navigator;
  it.each<[string, object, Navigator, PrivacySignals]>([
    ['DNT on, honoured', { honorDnt: true }, nav('1'), { dnt: true, gpc: false }],
    ['DNT "0"', { honorDnt: true }, nav('0'), { dnt: false, gpc: false }],
    ['DNT unset', { honorDnt: true }, nav(null), { dnt: false, gpc: false }],
    ['DNT on, not honoured', {}, nav('1'), { dnt: false, gpc: false }],
    ['GPC on, honoured', { honorGpc: true }, nav(null, true), { dnt: false, gpc: true }],
    ['GPC on, not honoured', { honorDnt: true }, nav(null, true), { dnt: false, gpc: false }],
    ['GPC absent', { honorGpc: true }, nav(null), { dnt: false, gpc: false }],
  ])('%s', (_what, options, navigator, signals) => {
    expect(readSignals(options, navigator)).toEqual(signals);
  });
});

describe('the consent chunk', () => {
  function fakeWindow(extra: Record<string, unknown> = {}): Window {
    return Object.assign(Object.create(window), { navigator: { doNotTrack: '1', globalPrivacyControl: true }, document: { readyState: 'complete' }, ...extra }) as Window;
  }

  it('sends the signals, keeps them for a hand-off, and follows TCF and consent mode', () => {
    let tcfCallback: ((data: TcData, success: boolean) => void) | null = null;
    const win = fakeWindow({
      __tcfapi: (command: string, version: number, cb: (data: TcData, success: boolean) => void) => {
        if (command === 'addEventListener' && version === 2) tcfCallback = cb;
      },
      dataLayer: [args('consent', 'default', { analytics_storage: 'denied' }), args('consent', 'update', { ad_storage: 'granted' })],
    });
    const privacy: PrivacyInit = {};
    const calls: unknown[] = [];
    const signals: PrivacySignals[] = [];
    startConsent({ consent: { honorDnt: true, tcf: true, consentMode: true } }, privacy, (p) => calls.push(p), (s) => signals.push(s), win);
    expect(signals).toEqual([{ dnt: true, gpc: false }]);
    expect(privacy.signals).toEqual({ dnt: true, gpc: false });
    expect(calls).toEqual([{ marketing: true }]); // the update already in the dataLayer
    tcfCallback!({ eventStatus: 'tcloaded', gdprApplies: true, purpose: { consents: { 1: true } } }, true);
    tcfCallback!({ eventStatus: 'tcloaded', gdprApplies: true, purpose: { consents: { 1: true } } }, true); // the same again: once
    tcfCallback!({ eventStatus: 'useractioncomplete', gdprApplies: true, purpose: { consents: {} } }, false); // failed call: ignored
    const layer = (win as unknown as { dataLayer: unknown[] }).dataLayer;
    layer.push(args('consent', 'update', { analytics_storage: 'denied' }));
    expect(calls).toEqual([{ marketing: true }, { analytics: true, marketing: false }, { analytics: false }]);
    expect(layer).toHaveLength(3); // the array still works for gtag
  });

  it('without tcf and consentMode it only sends the signals', () => {
    const win = fakeWindow({ __tcfapi: () => expect.unreachable() });
    const calls: unknown[] = [];
    startConsent({ consent: {} }, {}, (p) => calls.push(p), () => {}, win);
    expect(calls).toEqual([]);
    expect((win as unknown as { dataLayer?: unknown }).dataLayer).toBeUndefined();
  });
});

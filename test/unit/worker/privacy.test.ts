import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../../../src/shared/event.js';
import type { Capture, PageEnvironment, PrivacyInit } from '../../../src/shared/protocol.js';
import { enrich } from '../../../src/capture/enrich.js';
import { sha256Hex } from '../../../src/capture/pii.js';
import { createPrivacy, piiActions, REDACTED, type Privacy } from '../../../src/capture/privacy.js';

const T = Date.UTC(2026, 10, 28, 12);
const env: PageEnvironment = { userAgent: 'UA/1', locale: 'en', timezone: 'UTC', screen: { width: 1, height: 1, density: 1 } };
const LANDING = 'https://shop.test/welcome?utm_source=news&utm_campaign=spring&email=ada%40example.com&gclid=g1#top';

function capture(properties: Record<string, unknown> = {}, extra: Partial<Capture> = {}): Capture & { type: 'track' } {
  const search = LANDING.slice(LANDING.indexOf('?'), LANDING.indexOf('#'));
  return {
    type: 'track',
    messageId: 'm1',
    ts: T,
    event: 'signed_up',
    properties,
    page: { url: LANDING, path: '/welcome', search, title: 'Welcome', referrer: 'https://mail.test/open?uid=42&utm_medium=email' },
    ...extra,
  } as Capture & { type: 'track' };
}

const privacy = (init: PrivacyInit) => createPrivacy(init, { salt: 'https://shop.test' }) as Privacy;

async function prepared(p: Privacy, event: WireEvent, consent?: Record<string, boolean>) {
  const decision = await p.prepare(event, consent, T);
  return { decision, event };
}

describe('privacy step', () => {
  it('is absent without consent, pii and urlParams: events go through as before', () => {
    expect(createPrivacy(undefined, { salt: '' })).toBeNull();
    expect(createPrivacy({}, { salt: '' })).toBeNull();
    expect(piiActions({ urlParams: ['q'] })).toBeNull();
  });

  it('PII guards default to email hash, phone redact, card redact; a site may change each', () => {
    expect(piiActions({ pii: {} })).toEqual({ email: 'hash', phone: 'redact', card: 'redact' });
    expect(piiActions({ consent: {} })).toEqual({ email: 'hash', phone: 'redact', card: 'redact' });
    expect(piiActions({ pii: { email: 'redact', card: 'keep', phone: 'shout' as never } })).toEqual({ email: 'redact', phone: 'redact', card: 'keep' });
  });

  it('hashes e-mails and redacts phone and card numbers in properties and traits, nested ones too', async () => {
    const p = privacy({ pii: {} });
    const event = enrich(
      capture({ email: 'Ada@Example.com', note: 'call +33 6 12 34 56 78', nested: { cards: ['4111 1111 1111 1111', 'n/a'] }, count: 3 }),
      { anonymousId: 'a1' },
      env,
    );
    event.traits = { contact: 'ada@example.com' };
    const { decision } = await prepared(p, event);
    const hash = await sha256Hex('ada@example.com');
    expect(decision).toEqual({ kind: 'keep' });
    expect(event.properties).toEqual({ email: hash, note: `call ${REDACTED}`, nested: { cards: [REDACTED, 'n/a'] }, count: 3 });
    expect(event.traits).toEqual({ contact: hash });
  });

  it('redact and keep, as configured; a value without PII costs no await', () => {
    const p = privacy({ pii: { email: 'redact', phone: 'keep' } });
    const event = enrich(capture({ email: 'ada@example.com', phone: '555-123-4567', plain: 'hello' }), { anonymousId: 'a1' }, env);
    const decision = p.prepare(event, undefined, T);
    expect(decision).toEqual({ kind: 'keep' }); // synchronous: nothing to hash
    expect(event.properties).toEqual({ email: REDACTED, phone: '555-123-4567', plain: 'hello' });
  });

  it('keeps allowlisted query parameters only, after the campaign was read from the full URL', async () => {
    const p = privacy({ urlParams: ['utm_*'] });
    const call = capture();
    const event = enrich(call, { anonymousId: 'a1' }, env);
    await prepared(p, event);
    expect(event.context.campaign).toEqual({ source: 'news', name: 'spring', gclid: 'g1' });
    expect(event.context.page).toMatchObject({
      url: 'https://shop.test/welcome?utm_source=news&utm_campaign=spring#top',
      search: '?utm_source=news&utm_campaign=spring',
      referrer: 'https://mail.test/open?utm_medium=email',
    });
    // The capture's page object (shared by the calls of a page view) is not changed.
    expect(call.page.url).toBe(LANDING);
  });

  it('with a consent configuration the default allowlist applies: utm_*, gclid, fbclid, msclkid', async () => {
    const p = privacy({ consent: {} });
    const event = enrich(capture(), { anonymousId: 'a1' }, env);
    await prepared(p, event, { analytics: true });
    expect(event.context.page?.search).toBe('?utm_source=news&utm_campaign=spring&gclid=g1');
  });

  it('anonymous policy: no stored identifier, a cookieless id that is the same all day and differs the next', async () => {
    const p = privacy({ consent: { policy: 'anonymous' } });
    const make = (ts: number) => enrich({ ...capture(), ts }, { anonymousId: 'stored-id', userId: 'user-9' }, env);
    const first = make(T);
    const { decision } = await prepared(p, first, {});
    expect(decision).toEqual({ kind: 'anonymous', gate: { needs: ['analytics'], anonymous: true } });
    expect(first.userId).toBeUndefined();
    expect(first.anonymousId).toBe(`day-${(await sha256Hex(`2026-11-28\nUA/1\nhttps://shop.test`)).slice(0, 32)}`);
    const later = make(T + 3_600_000);
    await p.prepare(later, {}, T + 3_600_000);
    expect(later.anonymousId).toBe(first.anonymousId);
    const nextDay = make(T + 24 * 3_600_000);
    await p.prepare(nextDay, {}, T + 24 * 3_600_000);
    expect(nextDay.anonymousId).not.toBe(first.anonymousId);
    // Granted: the stored identity again.
    const granted = make(T);
    await p.prepare(granted, { analytics: true }, T);
    expect([granted.anonymousId, granted.userId]).toEqual(['stored-id', 'user-9']);
  });

  it('a dropped event is not scrubbed (it goes nowhere)', () => {
    const p = privacy({ consent: { policy: 'drop' } });
    const event = enrich(capture({ email: 'ada@example.com' }), { anonymousId: 'a1' }, env);
    expect(p.prepare(event, {}, T)).toEqual({ kind: 'drop' });
  });

  describe('signals', () => {
    it('not needed without honorDnt/honorGpc', () => {
      expect(privacy({ consent: {} }).signalsKnown()).toBe(true);
      expect(privacy({ consent: {} }).allow({ analytics: true })).toEqual({ analytics: true });
    });

    it('while needed and unknown only denials count; once known, grants of what they deny are ignored', () => {
      const p = privacy({ consent: { honorGpc: true } });
      expect(p.signalsKnown()).toBe(false);
      expect(p.allow({ analytics: true, marketing: false })).toEqual({ marketing: false });
      expect(p.setSignals({ dnt: false, gpc: true })).toEqual(['marketing']);
      expect(p.allow({ analytics: true, marketing: true })).toEqual({ analytics: true });
    });

    it('signals the page already read travel with the configuration (a hand-off)', () => {
      const p = privacy({ consent: { honorDnt: true }, signals: { dnt: true, gpc: false } });
      expect(p.signalsKnown()).toBe(true);
      expect(p.allow({ analytics: true, marketing: true })).toEqual({});
    });
  });
});

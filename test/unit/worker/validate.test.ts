import { beforeAll, describe, expect, it } from 'vitest';
import type { WireEvent } from '../../../src/shared/event.js';
import { MAX_EVENT_JSON_LENGTH } from '../../../src/shared/schemas/event-checks.js';
import { createEventValidator, loadSiteSchemas, type StandaloneValidateFn, type EventValidation } from '../../../src/capture/validate.js';
import { makeEvent } from '../../helpers/events.js';
import { compileSiteScript, runClassicScript } from '../../helpers/site-script.js';

const validate = createEventValidator();
const event = (overrides: Partial<WireEvent> = {}) => makeEvent('m-1', overrides);

function rejection(result: EventValidation): { code: string; reason: string } {
  if (result.ok) throw new Error('expected a rejection');
  return { code: result.code, reason: result.reason };
}

/** `n` properties named p0, p1, … */
const manyProps = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]));

describe('createEventValidator: the wire-event schema', () => {
  it('accepts every event type in its minimal valid form', () => {
    const base = { messageId: 'm1', anonymousId: 'a', timestamp: '2026-11-28T12:00:00Z', context: { channel: 'browser' } } as const;
    for (const e of [
      { ...base, type: 'track', event: 'signed_up' },
      { ...base, type: 'page' },
      { ...base, type: 'identify', userId: 'u1', traits: { plan: 'pro' } },
      { ...base, type: 'alias', userId: 'u1', previousId: 'anon' },
      { ...base, type: 'group', groupId: 'g1' },
    ]) {
      expect(validate(e as unknown as WireEvent)).toEqual({ ok: true });
    }
  });

  it('event names: snake_case, at most 64 characters', () => {
    expect(validate(event({ event: 'a' }))).toEqual({ ok: true });
    expect(validate(event({ event: `a${'_9'.repeat(31)}b` }))).toEqual({ ok: true }); // 64
    for (const bad of ['Clicked Button', 'addToCart', '1st_visit', '_private', 'add-to-cart', 'café']) {
      expect(rejection(validate(event({ event: bad })))).toEqual({ code: 'invalid-event', reason: '/event must match pattern "^[a-z][a-z0-9_]*$"' });
    }
    expect(rejection(validate(event({ event: 'a'.repeat(65) })))).toEqual({
      code: 'invalid-event',
      reason: '/event must NOT have more than 64 characters',
    });
    expect(rejection(validate(event({ event: undefined })))).toEqual({ code: 'invalid-event', reason: '/event is required' });
  });

  it('property and trait names: 1–64 characters of [A-Za-z0-9_], not starting with a digit', () => {
    const ok = { snake_case: 1, camelCase: 2, _private: 3, UPPER: 4, [`x${'y'.repeat(63)}`]: 5 };
    expect(validate(event({ properties: ok }))).toEqual({ ok: true });
    expect(validate(event({ type: 'identify', event: undefined, userId: 'u', traits: ok }))).toEqual({ ok: true });

    const pattern = 'must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"';
    expect(rejection(validate(event({ properties: { 'order-id': 1 } })))).toEqual({
      code: 'invalid-event',
      reason: `/properties property name "order-id" ${pattern}`,
    });
    expect(rejection(validate(event({ properties: { '1st': 1 } }))).reason).toBe(`/properties property name "1st" ${pattern}`);
    expect(rejection(validate(event({ properties: { 'a.b': 1 } }))).reason).toBe(`/properties property name "a.b" ${pattern}`);
    expect(rejection(validate(event({ type: 'identify', event: undefined, userId: 'u', traits: { 'first name': 'A' } }))).reason).toBe(
      `/traits property name "first name" ${pattern}`,
    );
    expect(rejection(validate(event({ properties: { '': 1 } }))).reason).toBe('/properties property name "" must NOT have fewer than 1 characters');
    // A long name is quoted cut short, not whole.
    expect(rejection(validate(event({ properties: { ['k'.repeat(65)]: 1 } }))).reason).toBe(
      `/properties property name "${'k'.repeat(64)}…" must NOT have more than 64 characters`,
    );
  });

  it('at most 100 properties and 100 traits', () => {
    expect(validate(event({ properties: manyProps(100) }))).toEqual({ ok: true });
    expect(rejection(validate(event({ properties: manyProps(101) })))).toEqual({
      code: 'invalid-event',
      reason: '/properties must NOT have more than 100 properties',
    });
    expect(rejection(validate(event({ type: 'identify', event: undefined, userId: 'u', traits: manyProps(101) }))).reason).toBe(
      '/traits must NOT have more than 100 properties',
    );
  });

  it('keeps the rules that were there: type, messageId, identity, alias, group, channel, seq, dates', () => {
    const reason = (e: unknown) => rejection(validate(e as WireEvent)).reason;
    expect(reason({ ...event(), messageId: undefined })).toBe('/messageId is required');
    expect(reason(event({ type: 'view' as never }))).toBe('/type must be equal to one of the allowed values: track, page, screen, identify, alias, group');
    expect(reason(event({ anonymousId: undefined }))).toBe('one of /anonymousId, /userId is required');
    // A null userId is no identity: the anyOf's string branch fails on type, so the reason asks for the other.
    expect(reason(event({ anonymousId: undefined, userId: null }))).toBe('/anonymousId is required');
    expect(validate(event({ anonymousId: undefined, userId: 'u-9' }))).toEqual({ ok: true });
    expect(reason(event({ type: 'alias', userId: 'u1' }))).toBe('/previousId is required');
    expect(reason(event({ type: 'group' }))).toBe('/groupId is required');
    expect(reason(event({ context: { channel: 'email' as never, library: { name: 'homing', version: '0' } } }))).toBe(
      '/context/channel must be equal to one of the allowed values: browser, app, pixel, server',
    );
    expect(reason(event({ context: { channel: 'browser', library: { name: 'homing', version: '0' }, homing: { seq: -1 } } }))).toBe(
      '/context/homing/seq must be >= 0',
    );
    expect(reason(event({ timestamp: '2026-11-28 12:00' }))).toBe('/timestamp must match format "date-time"');
    expect(reason(event({ timestamp: '2016-12-31T23:59:60Z' }))).toBe('/timestamp is not a representable date');
    expect(reason({ ...event(), properties: [] })).toBe('/properties must be object');
    expect(reason('track')).toBe('event must be object');
  });
});

describe('createEventValidator: at most 32 KB of JSON', () => {
  /** An event whose JSON is exactly `length` characters long. */
  function eventOfLength(length: number): WireEvent {
    const e = event({ properties: { pad: '' } });
    e.properties = { pad: 'x'.repeat(length - JSON.stringify(e).length) };
    expect(JSON.stringify(e).length).toBe(length);
    return e;
  }

  it('accepts 32768 characters and rejects one more, saying how big it was', () => {
    expect(MAX_EVENT_JSON_LENGTH).toBe(32768);
    expect(validate(eventOfLength(32768))).toEqual({ ok: true });
    expect(rejection(validate(eventOfLength(32769)))).toEqual({ code: 'too-large', reason: 'event is 32769 bytes of JSON; at most 32768' });
    expect(rejection(validate(eventOfLength(40123))).reason).toBe('event is 40123 bytes of JSON; at most 32768');
  });

  it('counts nested values, not only the top-level properties', () => {
    const e = event({ properties: { cart: { items: Array.from({ length: 1000 }, (_, i) => ({ sku: `sku-${i}`, name: 'a product name' })) } } });
    expect(rejection(validate(e)).code).toBe('too-large');
  });

  it('rejects an event nested deeper than 32 levels, which would cost its whole batch a 400 at the collector', () => {
    // The event is level 1 and `properties` level 2; `nest(n)` is n + 1 levels of objects.
    const nest = (n: number): Record<string, unknown> => (n === 0 ? { leaf: 1 } : { a: nest(n - 1) });
    expect(validate(event({ properties: nest(30) }))).toEqual({ ok: true }); // 32 levels
    expect(rejection(validate(event({ properties: nest(31) })))).toEqual({ code: 'invalid-event', reason: 'event nests deeper than 32 levels' });
    // Brackets inside strings are text, not nesting.
    expect(validate(event({ properties: { text: '[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\\"[[[[' } }))).toEqual({ ok: true });
  });

  it('rejects an event JSON cannot hold (a cycle, which structured clone lets through)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const result = rejection(validate(event({ properties: { cyclic } })));
    expect(result.code).toBe('invalid-event');
    expect(result.reason).toMatch(/^event is not serialisable as JSON: .*circular/i);
  });
});

describe('createEventValidator: a site schema per event name', () => {
  let site: Record<string, StandaloneValidateFn>;
  let validateSite: ReturnType<typeof createEventValidator>;
  beforeAll(async () => {
    site = loadSiteSchemas(runClassicScript(await compileSiteScript()))!;
    validateSite = createEventValidator(site);
  }, 30_000);

  const purchase = (properties: Record<string, unknown> | undefined) => event({ event: 'purchase_completed', properties });
  const goodPurchase = { order_id: 'o-1', total_value: 42.5, items: [{ sku: 'sku-1', quantity: 2 }] };

  it('registers one validator per schema file, named by the title or the file name', () => {
    expect(Object.keys(site).sort()).toEqual(['newsletter_signed_up', 'purchase_completed']);
  });

  it('validates the properties of the event it is named for', () => {
    expect(validateSite(purchase(goodPurchase))).toEqual({ ok: true });
    expect(rejection(validateSite(purchase({ total_value: 1, items: [{ sku: 'a' }] })))).toEqual({
      code: 'invalid-properties',
      reason: 'purchase_completed: /properties/order_id is required',
    });
    expect(rejection(validateSite(purchase({ ...goodPurchase, total_value: '42' })))).toEqual({
      code: 'invalid-properties',
      reason: 'purchase_completed: /properties/total_value must be number',
    });
    expect(rejection(validateSite(purchase({ ...goodPurchase, items: [{ quantity: 1 }] }))).reason).toBe(
      'purchase_completed: /properties/items/0/sku is required',
    );
    expect(rejection(validateSite(purchase({ ...goodPurchase, currency: 'GBP' }))).reason).toBe(
      'purchase_completed: /properties/currency must be equal to one of the allowed values: EUR, USD',
    );
    expect(rejection(validateSite(event({ event: 'newsletter_signed_up', properties: { email: 'not an address' } }))).reason).toBe(
      'newsletter_signed_up: /properties/email must match format "email"',
    );
    expect(validateSite(event({ event: 'newsletter_signed_up', properties: { email: 'a@shop.example' } }))).toEqual({ ok: true });
  });

  it('treats missing properties as an empty object, so required properties are still asked for', () => {
    expect(rejection(validateSite(purchase(undefined))).reason).toBe('purchase_completed: /properties/order_id is required');
  });

  it('leaves other events, and non-track events, to the base rules', () => {
    expect(validateSite(event({ event: 'product_viewed', properties: { anything: 1 } }))).toEqual({ ok: true });
    expect(validateSite(event({ type: 'page', event: 'purchase_completed', properties: {} }))).toEqual({ ok: true });
    // An event name that is also an Object.prototype key finds no validator.
    expect(validateSite(event({ event: 'constructor' }))).toEqual({ ok: true });
  });

  it('applies the base rules and the size limit first', () => {
    expect(rejection(validateSite(purchase({ ...goodPurchase, 'bad key': 1 }))).code).toBe('invalid-event');
    expect(rejection(validateSite(purchase({ ...goodPurchase, note: 'x'.repeat(33_000) }))).code).toBe('too-large');
  });
});

describe('loadSiteSchemas', () => {
  it('is undefined when no site script ran', () => {
    expect(loadSiteSchemas({})).toBeUndefined();
    expect(loadSiteSchemas()).toBeUndefined(); // the real global scope
  });

  it('returns the validators a script registered', () => {
    const fn = Object.assign(() => true, { errors: null });
    expect(loadSiteSchemas({ HOMING_SCHEMAS: { signed_up: fn } })).toEqual({ signed_up: fn });
  });

  it('reads globalThis by default, which is `self` in a worker', () => {
    const fn = () => true;
    const scope = globalThis as { HOMING_SCHEMAS?: unknown };
    scope.HOMING_SCHEMAS = { signed_up: fn };
    try {
      expect(loadSiteSchemas()).toEqual({ signed_up: fn });
    } finally {
      delete scope.HOMING_SCHEMAS;
    }
  });

  it('throws on a global that is not an object of functions, rather than validating nothing', () => {
    expect(() => loadSiteSchemas({ HOMING_SCHEMAS: 'x' })).toThrow('HOMING_SCHEMAS is string, not an object of validators');
    expect(() => loadSiteSchemas({ HOMING_SCHEMAS: null })).toThrow('HOMING_SCHEMAS is null, not an object of validators');
    expect(() => loadSiteSchemas({ HOMING_SCHEMAS: { signed_up: {} } })).toThrow('HOMING_SCHEMAS.signed_up is object, not a validator function');
  });
});

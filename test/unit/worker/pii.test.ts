import { describe, expect, it } from 'vitest';
import { findPii, isCard, isPhone, luhnValid, normalisePii, sha256Hex, type PiiKind } from '../../../src/capture/pii.js';

const ALL = new Set<PiiKind>(['email', 'phone', 'card']);
const kinds = (text: string) => findPii(text, ALL).map((m) => [m.kind, m.text]);

describe('PII patterns', () => {
  describe('e-mail addresses', () => {
    it.each([
      ['ada@example.com', 'ada@example.com'],
      ['Ada.Lovelace+news@mail.example.co.uk', 'Ada.Lovelace+news@mail.example.co.uk'],
      ['first_last-99@sub-domain.example.io', 'first_last-99@sub-domain.example.io'],
      ['write to ada@example.com today', 'ada@example.com'],
      ['<ADA@EXAMPLE.COM>', 'ADA@EXAMPLE.COM'],
    ])('%s → %s', (text, found) => {
      expect(kinds(text)).toEqual([['email', found]]);
    });

    it.each(['ada@localhost', '@example.com', 'ada@', 'not an address', 'price @ 20 EUR', 'user@host.c'])('%s is none', (text) => {
      expect(findPii(text, ALL).filter((m) => m.kind === 'email')).toEqual([]);
    });
  });

  describe('phone numbers', () => {
    it.each([
      '+33 6 12 34 56 78',
      '+1 (555) 123-4567',
      '(555) 123-4567',
      '555-123-4567',
      '555.123.4567',
      '+44 20 7946 0958',
      '020 7946 0958',
      '06 12 34 56 78',
      '06.12.34.56.78',
      '+4915112345678',
      '+1-202-555-0143',
    ])('%s is a phone number', (text) => {
      expect(isPhone(text)).toBe(true);
      expect(kinds(`call ${text} now`)).toEqual([['phone', text]]);
    });

    it.each([
      ['a bare run of digits (an order id)', 'order 5551234567'],
      ['an ISO date', '2026-11-28'],
      ['an ISO timestamp', '2026-11-28T12:00:00.000Z'],
      ['a European date', '28/11/2026'],
      ['a dotted date', '28.11.2026'],
      ['an IPv4 address', '192.168.100.100'],
      ['a version', 'v10.15.7'],
      ['a decimal', '3.14159265'],
      ['space-grouped thousands', '10 000 000'],
      ['a short number', '129'],
      ['a sku', 'sku-12345'],
      ['a time', '12:30:45'],
      ['digits inside a word', 'abc5551234567def'],
      ['a uuid', '0190f5a2-7b3c-7d4e-8f60-123456789abc'],
      ['a hex hash', 'a3f5c9e1d2b4a6f8c0e2d4b6a8f0c2e4d6b8a0f2c4e6d8b0a2f4c6e8d0b2a4f6'],
    ])('not a phone number: %s', (_what, text) => {
      expect(findPii(text, ALL)).toEqual([]);
    });
  });

  describe('card numbers', () => {
    it.each([
      ['Visa', '4111111111111111'],
      ['Visa, grouped by spaces', '4111 1111 1111 1111'],
      ['Mastercard, grouped by dashes', '5555-5555-5555-4444'],
      ['Amex 4-6-5', '3782 822463 10005'],
      ['Visa, 13 digits', '4222222222222'],
      ['Discover', '6011000990139424'],
    ])('%s %s passes Luhn and is a card', (_what, text) => {
      expect(luhnValid(text.replace(/\D/g, ''))).toBe(true);
      expect(isCard(text)).toBe(true);
      expect(kinds(`paid with ${text}.`)).toEqual([['card', text]]);
    });

    it.each([
      ['one digit off', '4111111111111112'],
      ['grouped, one digit off', '4111 1111 1111 1121'],
      ['sequential', '1234 5678 9012 3456'],
      ['too short', '411111111111'],
    ])('fails Luhn or length, so it is no card: %s', (_what, text) => {
      expect(isCard(text)).toBe(false);
      expect(findPii(text, ALL).filter((m) => m.kind === 'card')).toEqual([]);
    });

    it('a Luhn-valid number in odd groups, or after a +, is not taken for a card', () => {
      expect(isCard('41 1111 1111 1111 11')).toBe(false);
      expect(findPii('+4111111111111111', ALL).map((m) => m.kind)).not.toContain('card');
    });

    it('the Luhn check itself', () => {
      expect(luhnValid('79927398713')).toBe(true);
      expect(luhnValid('79927398710')).toBe(false);
    });
  });

  it('finds every kind in one text, in order, and only the kinds asked for', () => {
    const text = 'ada@example.com, +33 6 12 34 56 78, card 4111 1111 1111 1111';
    expect(kinds(text)).toEqual([
      ['email', 'ada@example.com'],
      ['phone', '+33 6 12 34 56 78'],
      ['card', '4111 1111 1111 1111'],
    ]);
    expect(findPii(text, new Set<PiiKind>(['phone'])).map((m) => m.kind)).toEqual(['phone']);
  });

  it('normalises before hashing, so one address or number always gives one hash', async () => {
    expect(normalisePii('email', ' Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalisePii('phone', '+33 6 12-34')).toBe('+3361234');
    expect(normalisePii('card', '4111 1111')).toBe('41111111');
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

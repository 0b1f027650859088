import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/shared/config.js';
import { allowedParam, keepParams, stripUrl } from '../../../src/capture/url-params.js';

const ALLOW = DEFAULTS.urlParams;

describe('URL query allowlist', () => {
  it.each([
    ['utm_source', true],
    ['utm_anything_new', true],
    ['gclid', true],
    ['fbclid', true],
    ['msclkid', true],
    ['email', false],
    ['token', false],
    ['utm', false],
    ['gclid2', false],
  ])('%s allowed by default: %s', (name, allowed) => {
    expect(allowedParam(name, ALLOW)).toBe(allowed);
  });

  it.each([
    ['?utm_source=news&email=a%40b.c&utm_medium=mail', '?utm_source=news&utm_medium=mail'],
    ['?token=secret&session=1', ''],
    ['?gclid=abc', '?gclid=abc'],
    ['', ''],
    ['?', ''],
    ['?utm_campaign=spring%20sale&&q=shoes', '?utm_campaign=spring%20sale'],
    ['?utm%5Fsource=encoded', '?utm%5Fsource=encoded'],
    ['?bad=%E0%A4%A&utm_term=x', '?utm_term=x'],
  ])('keepParams(%s) → %s', (search, kept) => {
    expect(keepParams(search, ALLOW)).toBe(kept);
  });

  it.each([
    ['https://shop.test/p?utm_source=news&email=a%40b.c#reviews', 'https://shop.test/p?utm_source=news#reviews'],
    ['https://shop.test/p?reset_token=abc', 'https://shop.test/p'],
    ['https://shop.test/p', 'https://shop.test/p'],
    ['https://shop.test/#/route?x=1', 'https://shop.test/#/route?x=1'],
    ['', ''],
  ])('stripUrl(%s) → %s', (url, stripped) => {
    expect(stripUrl(url, ALLOW)).toBe(stripped);
  });

  it('follows a site allowlist, prefixes included', () => {
    expect(keepParams('?q=shoes&page=2&utm_source=x&ref_a=1', ['q', 'ref_*'])).toBe('?q=shoes&ref_a=1');
    expect(keepParams('?utm_source=x', [])).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { anonymizeIp, normalizeIp, rateLimitKey } from '../../../src/collector/ip.js';

describe('anonymizeIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['10.1.2.3', '10.1.2.0'],
    ['::ffff:198.51.100.9', '198.51.100.0'], // what a dual-stack socket reports for IPv4
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'], // the last 80 bits go
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8:0::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['::1', '0:0:0::'],
    ['fe80::1%eth0', 'fe80:0:0::'],
    ['::ffff:0:192.0.2.1', '0:0:0::'],
  ])('%s → %s', (ip, expected) => {
    expect(anonymizeIp(ip)).toBe(expected);
  });

  it.each(['', 'localhost', '999.1.1.1', '1.2.3', '2001:db8::1::2', 'unknown'])('is null for %j', (ip) => {
    expect(anonymizeIp(ip)).toBeNull();
  });
});

describe('normalizeIp (for --keep-ip)', () => {
  it('keeps the whole address in one spelling', () => {
    expect(normalizeIp('::ffff:198.51.100.9')).toBe('198.51.100.9');
    expect(normalizeIp('2001:0DB8:0:0:0:0:0:0001')).toBe('2001:db8::1');
    expect(normalizeIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(normalizeIp('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
    expect(normalizeIp('nope')).toBeNull();
  });
});

describe('rateLimitKey', () => {
  it('counts an IPv4 address alone, and an IPv6 client by its /64', () => {
    expect(rateLimitKey('203.0.113.77')).toBe('203.0.113.77');
    expect(rateLimitKey('::ffff:203.0.113.77')).toBe('203.0.113.77');
    expect(rateLimitKey('2001:db8:1:2:aaaa::1')).toBe(rateLimitKey('2001:db8:1:2:bbbb::2'));
    expect(rateLimitKey('2001:db8:1:2::1')).not.toBe(rateLimitKey('2001:db8:1:3::1'));
  });
});

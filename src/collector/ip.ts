/**
 * Client IP addresses: anonymised before they are stored or logged, and the key the per-IP rate
 * limit counts on.
 *
 * Anonymisation follows what analytics tools commonly do for GDPR (Google Analytics' `anonymize_ip`,
 * Matomo's default): the last octet of an IPv4 address is zeroed (a /24 remains), and the last 80 bits
 * of an IPv6 address (a /48 remains, roughly a site). IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`,
 * what a dual-stack socket reports for an IPv4 peer) are treated as the IPv4 address they carry.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The anonymised form of `ip`, or null when it is not an IP address. */
export function anonymizeIp(ip: string): string | null {
  const v4 = asIPv4(ip);
  if (v4) return v4.slice(0, v4.lastIndexOf('.')) + '.0';
  const groups = ipv6Groups(ip);
  if (!groups) return null;
  return `${groups[0]}:${groups[1]}:${groups[2]}::`;
}

/** `ip` in one canonical spelling (lowercase, compressed IPv6, IPv4 unmapped), or null. */
export function normalizeIp(ip: string): string | null {
  const v4 = asIPv4(ip);
  if (v4) return v4;
  const groups = ipv6Groups(ip);
  return groups ? compress(groups) : null;
}

/**
 * The key the per-IP rate limit counts on: the whole IPv4 address, but the /64 of an IPv6 one,
 * since a single IPv6 client usually holds a whole /64 and could otherwise rotate addresses.
 */
export function rateLimitKey(ip: string): string {
  const v4 = asIPv4(ip);
  if (v4) return v4;
  const groups = ipv6Groups(ip);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip;
}

function asIPv4(ip: string): string | null {
  if (isIPv4(ip)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped && isIPv4(mapped[1]) ? mapped[1] : null;
}

/** The eight 16-bit groups of an IPv6 address as lowercase hex without leading zeros. */
function ipv6Groups(ip: string): string[] | null {
  const address = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names an interface, not a host
  if (!isIPv6(address)) return null;
  let text = address.toLowerCase();
  // A trailing dotted quad holds the last two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = text.slice(0, quad.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
  return groups.length === 8 ? groups : null;
}

/** RFC 5952 text form: the longest run of two or more zero groups becomes `::`. */
function compress(groups: string[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
}

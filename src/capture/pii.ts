/**
 * Finds personal data in a string value: e-mail addresses, phone numbers, payment card numbers.
 * Pure and synchronous, so a value with nothing in it (nearly all of them) costs three regex scans.
 *
 * The patterns lean towards missing an odd format over mangling ordinary values:
 * - a card is 13–19 digits, in one run or grouped in fours (Amex: 4-6-5) by spaces or dashes, that
 *   pass the Luhn check (an order number of 16 digits that fails it is left alone);
 * - a phone number has 7–15 digits (E.164) and either starts with `+`, has an area code in
 *   parentheses, or is written in at least three groups (`555-123-4567`, `06 12 34 56 78`). A bare
 *   run of digits is not a phone number (it is more often an id), nor are dates (`2026-11-28`,
 *   `28/11/2026`), IPv4 addresses, version numbers or space-grouped thousands (`10 000 000`).
 */

export type PiiKind = 'email' | 'phone' | 'card';

export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
  text: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// The leading group stands in for a lookbehind: a number inside a word, or after `+`, is not a card.
const CARD = /(^|[^\w+])(\d(?:[ -]?\d){12,18})(?!\w)/g;
const PHONE = /(^|[^\w+])(\+?\(?\d[\d ().-]{5,22}\d)(?!\w)/g;

/** The Luhn checksum (ISO/IEC 7812) of a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function isCard(text: string): boolean {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return false;
  // Written as cards are: one run, groups of four (the last may be shorter), or Amex's 4-6-5.
  const groups = text.split(/[ -]/).map((g) => g.length);
  if (groups.length === 1) return true;
  if (/ /.test(text) && /-/.test(text)) return false;
  return groups.slice(0, -1).every((n) => n === 4) || groups.join() === '4,6,5';
}

export function isPhone(text: string): boolean {
  const digits = text.replace(/\D/g, '').length;
  if (digits < 7 || digits > 15) return false;
  const plus = text.startsWith('+');
  const parens = /\(\d{1,4}\)/.test(text);
  if (/[()]/.test(text) && !parens) return false;
  const groups = text.split(/[ ().-]+/).filter(Boolean);
  if (/^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/.test(text)) return false; // a date
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return false; // an IPv4 address
  if (!plus && !parens && /^\d{1,3}( \d{3})+$/.test(text)) return false; // thousands
  if (text.includes('.') && !plus && groups.length < 3) return false; // a decimal or a version
  return plus || parens || groups.length >= 3;
}

/** The personal data in `text` of the `kinds` asked for, in order, without overlaps. */
export function findPii(text: string, kinds: ReadonlySet<PiiKind>): PiiMatch[] {
  const found: PiiMatch[] = [];
  const free = (start: number, end: number) => found.every((m) => end <= m.start || start >= m.end);
  // Cards first: a Luhn-valid digit run is a card, not a phone number.
  if (kinds.has('card') || kinds.has('phone')) {
    for (const m of text.matchAll(CARD)) {
      const start = m.index! + m[1].length;
      if (isCard(m[2])) found.push({ kind: 'card', start, end: start + m[2].length, text: m[2] });
    }
  }
  if (kinds.has('email')) {
    for (const m of text.matchAll(EMAIL)) {
      if (free(m.index!, m.index! + m[0].length)) found.push({ kind: 'email', start: m.index!, end: m.index! + m[0].length, text: m[0] });
    }
  }
  if (kinds.has('phone')) {
    for (const m of text.matchAll(PHONE)) {
      const start = m.index! + m[1].length;
      const end = start + m[2].length;
      if (free(start, end) && isPhone(m[2])) found.push({ kind: 'phone', start, end, text: m[2] });
    }
  }
  return found.filter((m) => kinds.has(m.kind)).sort((a, b) => a.start - b.start);
}

/** What is hashed for each kind, so the same address or number always gives the same hash. */
export function normalisePii(kind: PiiKind, text: string): string {
  if (kind === 'email') return text.trim().toLowerCase();
  if (kind === 'phone') return (text.trim().startsWith('+') ? '+' : '') + text.replace(/\D/g, '');
  return text.replace(/\D/g, '');
}

/** SHA-256 of the UTF-8 text, as 64 lowercase hex digits (`crypto.subtle`: worker, SW, Node 20). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let hex = '';
  for (const byte of digest) hex += (byte + 0x100).toString(16).slice(1);
  return hex;
}

/**
 * The collector's keys, by kind:
 *
 * - `write`: a site's write key for the public endpoints (`/v1/batch`, the singles, the pixel).
 *   Public by nature (it sits in the page), it says which site sends, and only matters once at
 *   least one is configured: from then on those endpoints require one.
 * - `s2s`: a secret for `POST /v1/s2s`, held by the site's servers.
 * - `admin`: a secret for erasure (`DELETE /v1/users/:id`) and `GET /v1/stats`; it also reads.
 * - `read`: a secret for the reports (`GET /v1/reports/*`), the dashboard and the live view.
 *
 * The ring keeps only SHA-256 digests, so a lookup's timing says nothing useful about a key and a
 * heap dump holds no secret; `id` (a digest prefix) is what logs and rate limits use instead.
 * `replace` swaps the whole set at once: that is how a rotation takes effect without a restart.
 */
import { createHash } from 'node:crypto';
import { CONVENTION_POLICIES, type ConventionPolicy } from './event-policy.js';

export const KEY_KINDS = ['write', 's2s', 'admin', 'read'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

export interface KeySpec {
  kind: KeyKind;
  key: string;
  /** Free text for logs, e.g. the site or the service holding the key. */
  label: string;
  /**
   * Write and s2s keys: what breaking Homing's conventions or a site's schemas costs the events
   * this key sends (event-policy.ts); without it, the sender's library decides.
   */
  policy?: ConventionPolicy;
}

/** What a key unlocks; never the key itself. */
export interface KeyInfo {
  kind: KeyKind;
  label: string;
  /** `k_` and 12 hex digits of the key's SHA-256: safe to log. */
  id: string;
  policy?: ConventionPolicy;
}

export interface KeyRing {
  find(secret: string): KeyInfo | undefined;
  has(kind: KeyKind): boolean;
  replace(keys: readonly KeySpec[]): void;
  count(kind: KeyKind): number;
}

/** RFC 7235 token68, what a Bearer credential may contain; Basic auth needs no `:` in it either. */
const KEY_PATTERN = /^[A-Za-z0-9._~+/-]+=*$/;
/** Secrets shorter than this are refused: they would be guessable. */
export const MIN_SECRET_LENGTH = 16;

export function createKeyRing(keys: readonly KeySpec[] = []): KeyRing {
  let byDigest = new Map<string, KeyInfo>();
  let counts: Record<KeyKind, number> = { write: 0, s2s: 0, admin: 0, read: 0 };
  const ring: KeyRing = {
    find(secret) {
      return byDigest.get(digest(secret));
    },
    has(kind) {
      return counts[kind] > 0;
    },
    count(kind) {
      return counts[kind];
    },
    replace(next) {
      const map = new Map<string, KeyInfo>();
      const c: Record<KeyKind, number> = { write: 0, s2s: 0, admin: 0, read: 0 };
      for (const k of next) {
        const d = digest(k.key);
        if (map.has(d)) continue;
        const info: KeyInfo = { kind: k.kind, label: k.label, id: `k_${d.slice(0, 12)}` };
        if (k.policy !== undefined) info.policy = k.policy;
        map.set(d, info);
        c[k.kind]++;
      }
      byDigest = map;
      counts = c;
    },
  };
  ring.replace(keys);
  return ring;
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Why a key is unusable, or null. The message never contains the key. */
export function checkKey(kind: KeyKind, key: string): string | null {
  if (!KEY_PATTERN.test(key)) return `${kind} keys may only contain letters, digits and . _ ~ + / - (then = padding)`;
  if (kind !== 'write' && key.length < MIN_SECRET_LENGTH) return `${kind} keys must be at least ${MIN_SECRET_LENGTH} characters`;
  return null;
}

export type KeysFileParse = { ok: true; keys: KeySpec[] } | { ok: false; error: string };

/**
 * The keys file: one key per line, `<kind> <key> [policy=reject|flag|off] [label…]`, `#` starts a
 * comment. Errors name the line, never the key. A key listed under two kinds is refused: which one
 * would it be? `policy=` (write and s2s keys) sets what breaking a convention costs that sender's
 * events (src/collector/event-policy.ts).
 *
 *     # rotation: add the new key, move the senders over, then delete the old line
 *     s2s   Zm9vYmFyYmF6cXV4cXV1eA   billing-backend
 *     write wk_shop_7f3a             shop.example
 *     write wk_app_21c9 policy=flag  ios-app (analytics-swift)
 *     admin 3c1f0d8e2b6a4f59a7c1d2e3 ops
 *     read  9b2e7c4d1a0f8e6d5c3b2a19 dashboard
 */
export function parseKeysFile(text: string): KeysFileParse {
  const keys: KeySpec[] = [];
  const kindOf = new Map<string, KeyKind>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*$/, '').trim();
    if (line === '') continue;
    const [kind, key, ...rest] = line.split(/\s+/);
    const where = `line ${i + 1}`;
    if (!(KEY_KINDS as readonly string[]).includes(kind)) return { ok: false, error: `${where}: unknown kind (expected ${KEY_KINDS.join(', ')})` };
    if (key === undefined) return { ok: false, error: `${where}: no key after "${kind}"` };
    const problem = checkKey(kind as KeyKind, key);
    if (problem) return { ok: false, error: `${where}: ${problem}` };
    const seen = kindOf.get(key);
    if (seen !== undefined && seen !== kind) return { ok: false, error: `${where}: this key is already listed with kind ${seen}` };
    kindOf.set(key, kind as KeyKind);
    const spec: KeySpec = { kind: kind as KeyKind, key, label: '' };
    const label: string[] = [];
    for (const word of rest) {
      if (!word.startsWith('policy=')) {
        label.push(word);
        continue;
      }
      const policy = word.slice('policy='.length);
      if (!(CONVENTION_POLICIES as readonly string[]).includes(policy)) {
        return { ok: false, error: `${where}: unknown policy "${policy}" (expected ${CONVENTION_POLICIES.join(', ')})` };
      }
      if (kind !== 'write' && kind !== 's2s') return { ok: false, error: `${where}: only write and s2s keys send events, so only they take a policy` };
      spec.policy = policy as ConventionPolicy;
    }
    spec.label = label.join(' ');
    keys.push(spec);
  }
  return { ok: true, keys };
}

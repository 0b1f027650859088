/**
 * Who may send what: reading a key from a request, checking it against the key ring, and the
 * per-key rate limit.
 *
 * A key arrives as `Authorization: Bearer <key>`, or Segment's way, `Authorization: Basic` with the
 * key as the user name and no password (what Segment's server libraries send), or, for the
 * public endpoints, as a `writeKey` field of the JSON body or, on the beacon route, of the query
 * string (a beacon cannot set headers). A 401
 * never says whether a key exists; a log line names a key only by its `id` (a digest prefix).
 */
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';
import type { CollectorCounters } from './ingest.js';
import type { KeyInfo, KeyKind, KeyRing } from './keys.js';
import type { RateLimiter } from './rate-limit.js';

export interface AuthDeps {
  keys: KeyRing;
  keyLimiter: RateLimiter;
  counters: CollectorCounters;
  now: () => number;
}

/** The key in the Authorization header (Bearer, or Basic's user name), if any. */
export function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? decoded : decoded.slice(0, colon);
  }
  return undefined;
}

const HOW: Record<KeyKind, string> = {
  s2s: 'a server-to-server key is required: Authorization: Bearer <key>',
  admin: 'an admin key is required: Authorization: Bearer <key>',
  read: 'a read or admin key is required: Authorization: Bearer <key>',
  write: 'a write key is required: Basic auth with the key as user name, or a "writeKey" field in the body',
};

/**
 * The key of `kind` the request carries (header first, then `bodyKey`), counted against its rate
 * limit. Throws 401 when there is none or it is not a `kind` key, 429 when it is over its limit.
 */
export function requireKey(deps: AuthDeps, request: FastifyRequest, kind: KeyKind, bodyKey?: unknown): KeyInfo {
  const info = findKey(deps.keys, kind, credentialOf(request), bodyKey);
  if (!info) {
    deps.counters.unauthorized++;
    request.log.info({ kind, presented: credentialOf(request) !== undefined || typeof bodyKey === 'string' }, 'request refused: no valid key');
    throw new HttpError(401, 'unauthorized', HOW[kind], { 'www-authenticate': kind === 'write' ? 'Basic realm="homing"' : 'Bearer realm="homing"' });
  }
  return takeRate(deps, request, info);
}

/** Counts the request against its key's rate limit: 429 when over it. */
function takeRate(deps: AuthDeps, request: FastifyRequest, info: KeyInfo): KeyInfo {
  const wait = deps.keyLimiter.take(info.id, deps.now());
  if (wait > 0) {
    deps.counters.rateLimited++;
    request.log.debug({ key: info.id, label: info.label }, 'request refused: key over its rate limit');
    throw new HttpError(429, 'rate-limited', `this key sends more than its rate limit; retry in ${wait} s`, { 'retry-after': String(wait) });
  }
  return info;
}

/**
 * The write-key rule of the public endpoints: nothing to check until at least one write key is
 * configured (null), then a valid one is required.
 */
export function requireWriteKey(deps: AuthDeps, request: FastifyRequest, bodyKey: unknown): KeyInfo | null {
  if (!deps.keys.has('write')) return null;
  return requireKey(deps, request, 'write', bodyKey);
}

/** Who sent a request to an event route, as far as its key says. */
export interface Sender {
  /** The key it carried, or null when the collector needs none and none was valid. */
  key: KeyInfo | null;
  /** It carried an s2s key: a site's server, whose events go on the `server` channel. */
  server: boolean;
}

/**
 * The key rule of the public event routes. An s2s key is accepted there too and makes the sender a
 * server: a server library pointed at the collector posts to `/v1/batch` with its key as Basic
 * auth, the same as to Segment, and its events belong on the `server` channel. Otherwise the write
 * key rule applies (`requireWriteKey`). `extraKey` is a key from the body or, for a beacon, the
 * query string.
 */
export function requireSender(deps: AuthDeps, request: FastifyRequest, extraKey: unknown): Sender {
  if (deps.keys.has('s2s')) {
    const s2s = findKey(deps.keys, 's2s', credentialOf(request), extraKey);
    if (s2s) return { key: takeRate(deps, request, s2s), server: true };
  }
  return { key: requireWriteKey(deps, request, extraKey), server: false };
}

function findKey(keys: KeyRing, kind: KeyKind, header: string | undefined, bodyKey: unknown): KeyInfo | undefined {
  for (const candidate of [header, bodyKey]) {
    if (typeof candidate !== 'string' || candidate === '') continue;
    const info = keys.find(candidate);
    if (info?.kind === kind) return info;
  }
  return undefined;
}

/**
 * Who may read reports and watch the live view: a `read` key or the `admin` key, as
 * `Authorization: Bearer <key>` (or Basic's user name), or, where the route allows it, `?key=`
 * (a browser's EventSource cannot set headers). Secure by default: with no such key configured,
 * the answer is a 401 whose reason says how to configure one, instead of data open to anyone who
 * reaches the collector. A 401 never says whether a presented key exists; a key found is checked
 * against its rate limit like any other.
 */
import type { FastifyRequest } from 'fastify';
import { credentialOf, type AuthDeps } from '../auth.js';
import { HttpError } from '../http-error.js';
import type { KeyInfo } from '../keys.js';

const HOW_TO_CONFIGURE =
  'reports need a read key, and none is configured: start the collector with --read-keys <key> (or HOMING_READ_KEYS, ' +
  'or a "read <key>" line in the keys file), then send Authorization: Bearer <key>; the admin key reads too';

/**
 * The reader's key. `queryKey` is the `?key=` value on routes that accept one (the live view);
 * `undefined` elsewhere, so a report URL never carries a key.
 */
export function requireReadKey(deps: AuthDeps, request: FastifyRequest, queryKey?: unknown): KeyInfo {
  const header = credentialOf(request);
  const refuse = (reason: string): never => {
    deps.counters.unauthorized++;
    request.log.info({ route: request.routeOptions.url, presented: header !== undefined || typeof queryKey === 'string' }, 'read refused: no read or admin key');
    throw new HttpError(401, 'unauthorized', reason, { 'www-authenticate': 'Bearer realm="homing"' });
  };
  if (!deps.keys.has('read') && !deps.keys.has('admin')) refuse(HOW_TO_CONFIGURE);
  let info: KeyInfo | undefined;
  for (const candidate of [header, queryKey]) {
    if (typeof candidate !== 'string' || candidate === '') continue;
    const found = deps.keys.find(candidate);
    if (found && (found.kind === 'read' || found.kind === 'admin')) {
      info = found;
      break;
    }
  }
  if (!info) {
    const how = queryKey === undefined ? 'Authorization: Bearer <key>' : 'Authorization: Bearer <key>, or ?key=<key>';
    return refuse(`a read or admin key is required: ${how}`);
  }
  const wait = deps.keyLimiter.take(info.id, deps.now());
  if (wait > 0) {
    deps.counters.rateLimited++;
    throw new HttpError(429, 'rate-limited', `this key sends more than its rate limit; retry in ${wait} s`, { 'retry-after': String(wait) });
  }
  return info;
}

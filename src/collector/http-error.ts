/**
 * Errors that become an HTTP answer `{ error: code, reason }`. Codes are stable strings a client or
 * an operator can match on; reasons are for humans.
 */

/**
 * Every code the collector answers with, and what it means: the one vocabulary of `error` in an
 * answer's body. docs/endpoints.md's "Error codes" table is generated from it (docs-tables.ts), and
 * a test fails when the two differ.
 */
export const ERROR_CODES = {
  'bad-request': { status: 400, meaning: 'a request Fastify refused before any route saw it (its reason says why)' },
  'invalid-json': { status: 400, meaning: 'the body is not JSON, or is empty' },
  'invalid-utf8': { status: 400, meaning: 'the body is not valid UTF-8' },
  'too-deep': { status: 400, meaning: 'the JSON nests deeper than 64 levels' },
  'invalid-encoding': { status: 400, meaning: 'the body is not valid gzip or deflate, as its Content-Encoding says' },
  'invalid-content-length': { status: 400, meaning: 'the Content-Length header does not match the body' },
  'invalid-envelope': { status: 400, meaning: 'an event route\'s body is not `{ batch: [...] }` (or, for a single, one event object)' },
  'invalid-body': { status: 400, meaning: 'a body of the wrong shape on a route that takes no events (the demo\'s outage switch)' },
  'invalid-user-id': { status: 400, meaning: '`DELETE /v1/users/:id` with an id that is empty or over 200 characters' },
  'invalid-filter': { status: 400, meaning: '`GET /v1/live` with a filter it cannot read' },
  'unknown-parameter': { status: 400, meaning: 'a report was given a query parameter it does not take' },
  'invalid-parameter': { status: 400, meaning: 'a report parameter given twice, or with a value it cannot take' },
  'invalid-range': { status: 400, meaning: 'a report\'s `from`/`to` are not times, are reversed or span too long' },
  'invalid-tz': { status: 400, meaning: 'a report\'s `tz` is not an IANA time zone' },
  'invalid-bucket': { status: 400, meaning: 'a report\'s `bucket` is not one it knows' },
  'too-many-buckets': { status: 400, meaning: 'a report\'s range holds more buckets than one answer may' },
  'invalid-model': { status: 400, meaning: 'the attribution report\'s `model` is not one it knows' },
  unauthorized: { status: 401, meaning: 'a missing or wrong key (`WWW-Authenticate` says which kind)' },
  'origin-not-allowed': { status: 403, meaning: 'a browser origin not in `--origins` sending to an event route' },
  'not-found': { status: 404, meaning: 'no such route, dashboard file, cross-origin route or source settings' },
  'body-too-large': { status: 413, meaning: 'a body over the route\'s limit, on the wire or once decompressed' },
  'unsupported-encoding': { status: 415, meaning: 'a Content-Encoding other than gzip, deflate or none' },
  'rate-limited': { status: 429, meaning: 'over the per-IP or per-key rate limit; `Retry-After` says when to retry' },
  'internal-error': { status: 500, meaning: 'the collector failed (details in its log, never in the answer)' },
  'store-busy': { status: 503, meaning: 'the store is behind (`Retry-After: 1`): resend' },
  'store-unavailable': { status: 503, meaning: 'the store failed (`Retry-After: 5`): resend later' },
  'reports-unavailable': { status: 503, meaning: 'no report source, or the report failed: retry later' },
  'too-many-live-clients': { status: 503, meaning: 'the live view\'s client limit is reached' },
  'dashboard-not-built': { status: 503, meaning: 'the dashboard\'s files are missing (run `node build.mjs`)' },
  'collector-down': { status: 503, meaning: 'DEMO ONLY: the outage switch is on (`--demo-controls`)' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type HttpErrorCode = keyof typeof ERROR_CODES;

export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: HttpErrorCode;
  /** Headers the answer must carry (`Retry-After` of a 429, `WWW-Authenticate` of a 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, code: HttpErrorCode, reason: string, headers: Record<string, string> = {}) {
    super(reason);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

/** Body of every non-200 answer. */
export interface ErrorBody {
  error: HttpErrorCode;
  reason: string;
}

/** An error body, typed so its code is one of the vocabulary's. */
export function errorBody(error: HttpErrorCode, reason: string): ErrorBody {
  return { error, reason };
}

/** Fastify's own errors, renamed into the collector's vocabulary (with a clearer reason where useful). */
const FASTIFY_CODES: Record<string, { code: HttpErrorCode; reason?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body-too-large' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'invalid-content-length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid-json' },
};

/** Maps any thrown value to a status and body; 5xx reasons stay generic so internals do not leak. */
export function toErrorAnswer(err: unknown): { statusCode: number; body: ErrorBody; headers?: Readonly<Record<string, string>> } {
  if (err instanceof HttpError) return { statusCode: err.statusCode, body: { error: err.code, reason: err.message }, headers: err.headers };
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  const statusCode = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  if (statusCode >= 500) return { statusCode, body: { error: 'internal-error', reason: 'the collector failed; retry later' } };
  const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  const code = known?.code ?? 'bad-request';
  const reason = known?.reason ?? (typeof e.message === 'string' ? e.message : code);
  return { statusCode, body: { error: code, reason } };
}

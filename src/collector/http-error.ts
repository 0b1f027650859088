/**
 * Errors that become an HTTP answer `{ error: code, reason }`. Codes are stable strings a client or
 * an operator can match on; reasons are for humans.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  /** Headers the answer must carry (`Retry-After` of a 429, `WWW-Authenticate` of a 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, code: string, reason: string, headers: Record<string, string> = {}) {
    super(reason);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

/** Body of every non-200 answer. */
export interface ErrorBody {
  error: string;
  reason: string;
}

/** Fastify's own errors, renamed into the collector's vocabulary (with a clearer reason where useful). */
const FASTIFY_CODES: Record<string, { code: string; reason?: string }> = {
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

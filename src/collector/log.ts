/**
 * The collector's structured logs (pino, through Fastify). They never hold a key: Authorization
 * and cookies are redacted wherever a request is logged, the pixel's `wk` parameter is cut out of
 * logged URLs, bodies (where `writeKey` fields live) are never logged, and code that names a key
 * uses its `id`. Client IPs are logged in their stored form (anonymised unless `keepIp`), and the
 * raw X-Forwarded-For chain is redacted too.
 *
 * Each request is logged at `debug` once answered (with its headers, redacted); above `debug`,
 * only notable events are: a refused key, a rejected pixel hit, a store failure, a keys reload.
 */
import type { FastifyReply, FastifyRequest, FastifyServerOptions, LogLevel } from 'fastify';

export interface CollectorLoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. */
  stream?: { write(line: string): void };
}

type PinoOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const REDACTED = '[redacted]';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-forwarded-for"]',
  'req.headers["x-real-ip"]',
  'writeKey',
  '*.writeKey',
];

/** Cuts the values of `wk` and `writeKey` (write keys) and `key` (a read key) out of a URL's query string. */
export function redactUrl(url: string): string {
  // `wk`: the pixel's write key; `writeKey`: a beacon's (RudderStack's /beacon/v1/batch); `key`: a
  // read key on the live stream (EventSource sets no headers).
  return url.includes('wk=') || url.includes('ey=') ? url.replace(/([?&](?:wk|writeKey|key)=)[^&#]*/g, `$1${REDACTED}`) : url;
}

export function loggerOptions(
  options: CollectorLoggerOptions,
  logIp: (ip: string) => string | null,
): PinoOptions {
  return {
    level: options.level,
    ...(options.stream ? { stream: options.stream } : {}),
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: {
      req(request: FastifyRequest) {
        return { method: request.method, url: redactUrl(request.url), ip: logIp(request.ip), headers: { ...request.headers } };
      },
      res(reply: Pick<FastifyReply, 'statusCode'>) {
        return { statusCode: reply.statusCode };
      },
    },
  };
}

/**
 * Request bodies: JSON, whatever the `Content-Type` says, optionally compressed.
 *
 * Every body the collector takes is JSON, and the clients that send it label it many ways:
 * `application/json`; `text/plain` (a beacon or a no-preflight `fetch` must use a CORS-safelisted
 * type, as analytics-next and Homing's own hand-off do); `application/x-www-form-urlencoded`
 * (RudderStack's server library, gzipped); or nothing. Refusing a label would lose a batch whose
 * bytes are fine, so the label is not read at all. Compression is the client's choice (the service
 * worker gzips with CompressionStream), so a body may arrive as gzip or deflate.
 *
 * Two checks run before `JSON.parse`, each a 400 for the whole request:
 * - the bytes must be UTF-8. Decoding would otherwise turn bad bytes into U+FFFD silently, and two
 *   different ids could be stored as one (then a receipt would call an unstored event a duplicate).
 * - nesting must stay under `maxDepth`. V8's `JSON.parse` copes with deep input, but everything
 *   after it that walks the value (`JSON.stringify` when storing, structured clone) recurses and
 *   would throw a stack overflow at a depth of a few thousand.
 */
import { isUtf8 } from 'node:buffer';
import { promisify } from 'node:util';
import { gunzip, inflate, type InputType, type ZlibOptions } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';

/**
 * The codings `decode` accepts, as the `Accept-Encoding` value the batch route answers with
 * (RFC 9110 §12.5.3: in a response it says which codings the server accepts in requests). A client
 * cannot know before its first answer; the service worker starts compressing once it reads this.
 */
export const ACCEPTED_CONTENT_ENCODINGS = 'gzip, deflate';

const gunzipAsync = promisify<InputType, ZlibOptions, Buffer>(gunzip);
const inflateAsync = promisify<InputType, ZlibOptions, Buffer>(inflate);

/**
 * Replaces Fastify's parsers with one, for every content type, that decodes, decompresses and
 * parses. The route's body limit (the collector's, or an event route's own) bounds both the bytes
 * on the wire (Fastify enforces that while reading) and the decompressed size, so a small gzip
 * bomb cannot make the collector allocate more than the limit.
 */
export function registerBodyParser(app: FastifyInstance, maxDepth: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer' },
    async (request: FastifyRequest, body: Buffer) => {
      const raw = await decode(body, request.headers['content-encoding'], request.routeOptions.bodyLimit);
      if (!isUtf8(raw)) throw new HttpError(400, 'invalid-utf8', 'body is not valid UTF-8');
      if (jsonDepthExceeds(raw, maxDepth)) {
        throw new HttpError(400, 'too-deep', `JSON nests deeper than ${maxDepth} levels`);
      }
      try {
        // Plain JSON.parse: the result is validated and stored, never merged into other objects,
        // so a `__proto__` key is just data here.
        return JSON.parse(raw.toString('utf8')) as unknown;
      } catch (err) {
        throw new HttpError(400, 'invalid-json', `body is not JSON: ${(err as Error).message}`);
      }
    },
  );
}

async function decode(body: Buffer, header: string | undefined, limit: number): Promise<Buffer> {
  const encoding = (header ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  const decompress = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipAsync : encoding === 'deflate' ? inflateAsync : null;
  if (!decompress) throw new HttpError(415, 'unsupported-encoding', `Content-Encoding "${encoding}" is not supported; use gzip, deflate or none`);
  try {
    return await decompress(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, 'body-too-large', `body is larger than ${limit} bytes once decompressed`);
    }
    throw new HttpError(400, 'invalid-encoding', `body is not valid ${encoding}: ${(err as Error).message}`);
  }
}

/**
 * Whether the JSON text nests arrays and objects deeper than `limit`, found by one pass over the
 * bytes that skips strings (so brackets inside them do not count). Malformed input is left for
 * JSON.parse to refuse; this only has to be right for input that parses.
 */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      // Inside a string: skip to the closing quote, stepping over escapes (\" and \\).
      for (i++; i < n; i++) {
        const s = bytes[i];
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

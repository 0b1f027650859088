/**
 * Request bodies: JSON sent as `application/json` or `text/plain`, optionally compressed.
 *
 * `text/plain` is accepted because `navigator.sendBeacon` and no-preflight `fetch` calls must use a
 * CORS-safelisted content type; the body is JSON all the same. Compression is the client's choice
 * (the service worker gzips with CompressionStream), so a body may arrive as gzip or deflate.
 */
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
 * Replaces Fastify's JSON and text parsers with one that decodes, decompresses and parses.
 * `bodyLimitBytes` bounds both the bytes on the wire (Fastify enforces that while reading) and the
 * decompressed size, so a small gzip bomb cannot make the collector allocate more than the limit.
 */
export function registerBodyParser(app: FastifyInstance, bodyLimitBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'buffer', bodyLimit: bodyLimitBytes },
    async (request: FastifyRequest, body: Buffer) => {
      const raw = await decode(body, request.headers['content-encoding'], bodyLimitBytes);
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

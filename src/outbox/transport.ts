/**
 * One POST of a batch to the collector, with a timeout, and gzip once the collector has said it
 * accepts it: every answer of `/v1/batch` carries `Accept-Encoding` (RFC 9110 §12.5.3), which the
 * transport remembers. The first request of a service-worker life goes uncompressed, since a
 * collector that cannot read gzip would answer 415 to every event.
 */
import type { BatchReceipts } from '../shared/event.js';

export interface PostResult {
  status: number;
  retryAfter: string | null;
  receipts?: BatchReceipts;
  /** Network error, timeout, or an unreadable body. */
  error?: string;
}

export type Transport = (json: string) => Promise<PostResult>;

export interface TransportDeps {
  fetch: typeof fetch;
  endpoint: string;
  timeoutMs: number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** gzip; absent where CompressionStream is missing. */
  compress?: (text: string) => Promise<Uint8Array>;
}

/** gzip with the platform's CompressionStream (every browser since 2023, Node 18+). */
export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function createTransport(deps: TransportDeps): Transport {
  let acceptsGzip = false;

  async function post(json: string, compress: boolean): Promise<PostResult> {
    const controller = new AbortController();
    const timer = deps.setTimeout(() => controller.abort(), deps.timeoutMs);
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      let body: string | Uint8Array = json;
      if (compress && deps.compress) {
        body = await deps.compress(json);
        headers['content-encoding'] = 'gzip';
      }
      const res = await deps.fetch(deps.endpoint, {
        method: 'POST',
        headers,
        body: body as BodyInit,
        signal: controller.signal,
        credentials: 'omit',
      });
      // Sticky: an error page from a proxy in between says nothing about the collector.
      if (/\bgzip\b/i.test(res.headers.get('accept-encoding') ?? '')) acceptsGzip = true;
      const retryAfter = res.headers.get('retry-after');
      if (!res.ok) return { status: res.status, retryAfter };
      try {
        return { status: res.status, retryAfter, receipts: (await res.json()) as BatchReceipts };
      } catch (err) {
        return { status: res.status, retryAfter, error: `unreadable receipts: ${String(err)}` };
      }
    } catch (err) {
      return { status: 0, retryAfter: null, error: String(err) };
    } finally {
      deps.clearTimeout(timer);
    }
  }

  return async (json) => {
    const compressed = acceptsGzip && !!deps.compress;
    const result = await post(json, compressed);
    // 415 to a gzip body: whatever answers no longer reads gzip. Plain JSON, at once, and from now on.
    if (compressed && result.status === 415) {
      acceptsGzip = false;
      return post(json, false);
    }
    return result;
  };
}

/** What the routes share, built once by server.ts. */
import type { FastifyRequest } from 'fastify';
import type { AuthDeps } from '../auth.js';
import type { IngestDeps } from '../ingest.js';

export interface RouteDeps extends IngestDeps, AuthDeps {
  /** Largest body of an event route, in bytes after decompression. */
  maxBatchBytes: number;
  /** The client's IP in the form it may be stored (anonymised unless configured otherwise). */
  clientIp(request: FastifyRequest): string | null;
  /** An end user's IP a server sent in `context.ip`, in storable form; null if it is not an IP. */
  senderIp(sent: string): string | null;
  /** Whether a browser at `origin` may send events (no Origin header: not a browser, allowed). */
  originAllowed(origin: string | undefined): boolean;
  /** Window of the pixel's derived messageIds. */
  pixelDedupWindowMs: number;
}

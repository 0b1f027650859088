/**
 * Records every `POST /v1/batch` a browser context sends (the service worker's included: Playwright
 * 1.65 reports SW requests, docs/browser-facts.md "Going offline in tests"), with when it started and ended in the order the
 * browser reported them, how it ended, and the collector's receipts. Lets a test say "one request
 * at a time" and "nothing was sent twice" from what actually went over the wire.
 */
import type { BrowserContext, Request } from '@playwright/test';

export interface BatchRequest {
  /** Sent by a service worker (not a page or a dedicated worker). */
  fromServiceWorker: boolean;
  /** performance.now() in the test process when the browser reported the request / its end. */
  start: number;
  end?: number;
  /** Other batch requests in flight when this one started. */
  overlapping: number;
  status?: number;
  failure?: string;
  /** Receipt counts from the collector's answer (when it answered 200 and the body was readable). */
  accepted?: number;
  duplicate?: number;
  rejected?: number;
}

export interface BatchLog {
  readonly requests: readonly BatchRequest[];
  /** Resolves once no batch request is in flight and every answer has been read. */
  settled(timeoutMs?: number): Promise<void>;
  /** Events the collector answered "duplicate" for: the same messageId sent again. */
  duplicates(): number;
  stop(): void;
}

const isBatch = (req: Request) => req.method() === 'POST' && new URL(req.url()).pathname === '/v1/batch';

export function recordBatches(context: BrowserContext): BatchLog {
  const requests: BatchRequest[] = [];
  const byRequest = new Map<Request, BatchRequest>();
  const reading: Promise<void>[] = [];
  let inFlight = 0;

  const onRequest = (req: Request) => {
    if (!isBatch(req)) return;
    const entry: BatchRequest = { fromServiceWorker: req.serviceWorker() !== null, start: performance.now(), overlapping: inFlight };
    byRequest.set(req, entry);
    requests.push(entry);
    inFlight++;
  };
  const ended = (req: Request): BatchRequest | undefined => {
    const entry = byRequest.get(req);
    if (!entry || entry.end !== undefined) return undefined;
    entry.end = performance.now();
    inFlight--;
    return entry;
  };
  const onFinished = (req: Request) => {
    const entry = ended(req);
    if (!entry) return;
    reading.push(
      (async () => {
        try {
          const res = await req.response();
          entry.status = res?.status();
          if (res?.ok()) {
            const body = (await res.json()) as { accepted?: string[]; duplicate?: string[]; rejected?: unknown[] };
            entry.accepted = body.accepted?.length ?? 0;
            entry.duplicate = body.duplicate?.length ?? 0;
            entry.rejected = body.rejected?.length ?? 0;
          }
        } catch (err) {
          // The body can be gone (its service worker was stopped); the request still counts.
          entry.failure = `answer unreadable: ${String(err)}`;
        }
      })(),
    );
  };
  const onFailed = (req: Request) => {
    const entry = ended(req);
    if (entry) entry.failure = req.failure()?.errorText ?? 'failed';
  };

  context.on('request', onRequest);
  context.on('requestfinished', onFinished);
  context.on('requestfailed', onFailed);

  return {
    requests,
    async settled(timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      while (inFlight > 0) {
        if (performance.now() > deadline) throw new Error(`${inFlight} batch request(s) still in flight after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await Promise.all(reading);
    },
    duplicates: () => requests.reduce((n, r) => n + (r.duplicate ?? 0), 0),
    stop() {
      context.off('request', onRequest);
      context.off('requestfinished', onFinished);
      context.off('requestfailed', onFailed);
    },
  };
}

/**
 * A reverse proxy in front of a collector that injects delivery faults, for e2e tests: a 5xx, a
 * 429/503 with Retry-After, a response lost after the events were committed, a request that never
 * gets an answer. The page's service worker is pointed at the proxy; the collector behind it is
 * real, so what it stored is the ground truth.
 *
 * Faults apply to `POST /v1/batch` only (by default); everything else, CORS preflights included,
 * is forwarded untouched. Each such request takes the next one-shot fault queued with `fail()`,
 * or the default mode (`setDefault()`, initially `pass`) when the queue is empty.
 *
 * Every answer carries `Connection: close`, so no connection is ever reused. Browsers silently
 * resend a request that failed on a reused keep-alive connection before any answer arrived
 * (Chromium's and Firefox's "stale socket" retry, POST included), which would turn
 * `cut-after-commit` into an invisible resend instead of the network error the test wants.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultMode =
  /** Forward to the collector and relay its answer. */
  | { kind: 'pass' }
  /**
   * Answer `status` without forwarding (nothing is stored). With an `Origin` the answer carries
   * CORS headers mirroring it, so a browser can read the status and `Retry-After`.
   */
  | {
      kind: 'status';
      status: number;
      /** `Retry-After`: seconds, or an HTTP-date string. */
      retryAfter?: number | string;
      /** More headers for the answer. */
      headers?: Record<string, string>;
      /** The body; defaults to `{"error":"injected-fault","reason":...}` as JSON. */
      body?: string;
    }
  /**
   * Forward, wait for the collector's whole answer (the events ARE committed), then reset the
   * client's connection without answering: the client sees a network error.
   */
  | { kind: 'cut-after-commit' }
  /**
   * Never answer; the connection stays open until the client gives up or the proxy stops. With
   * `forward: true` the request is forwarded first (committed, then the answer is withheld).
   */
  | { kind: 'hang'; forward?: boolean };

export type ProxiedOutcome =
  /** Still in flight (being forwarded). */
  | 'pending'
  /** An HTTP answer was sent to the client (`status`). */
  | 'answered'
  /** `cut-after-commit`: the client's connection was reset after the collector answered. */
  | 'cut'
  /** `hang`: no answer will come. */
  | 'hung'
  /** The collector could not be reached (stopped?): the client's connection was reset, as it would be without a proxy. */
  | 'upstream-error'
  /** The client closed the connection before the proxy answered. */
  | 'client-closed';

export interface ProxiedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  path: string;
  /** Epoch ms when the request arrived. */
  at: number;
  /** The mode applied to it. */
  mode: FaultMode;
  /** Where the mode came from: a queued one-shot fault, the default mode, or neither (not a batch POST: always passed). */
  source: 'one-shot' | 'default' | 'not-faultable';
  /** The status the client received, or null when it received none (cut, hang, upstream error, pending). */
  status: number | null;
  /** The collector's status when the request was forwarded, else null. */
  upstreamStatus: number | null;
  outcome: ProxiedOutcome;
  /** Request headers as received (lower-case names), e.g. to check `content-encoding`. */
  headers: IncomingHttpHeaders;
  /** Size of the request body on the wire. */
  bodyBytes: number;
}

export interface FaultyProxyOptions {
  /** The collector, e.g. `http://127.0.0.1:8787`. */
  target: string;
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Which requests faults apply to; default `POST /v1/batch` (any query). OPTIONS never. */
  faultable?: (method: string, pathname: string) => boolean;
}

export interface FaultyProxy {
  /** `http://127.0.0.1:<port>`: give this to the SDK as its collector. */
  url: string;
  port: number;
  /** Queues one-shot faults, applied in order to the next faultable requests. */
  fail(...modes: FaultMode[]): void;
  /** The mode for faultable requests when no one-shot fault is queued (initially `pass`). */
  setDefault(mode: FaultMode): void;
  /** Same as `setDefault`. */
  setMode(mode: FaultMode): void;
  /** How many queued one-shot faults are still unused. */
  pendingFaults(): number;
  /**
   * The network cable, for engines with no offline switch (WebKit): unplugged, every new
   * connection is reset on arrival (and open ones are closed), so no request reaches the log or
   * the collector and the browser's fetch fails at once, with a network error.
   */
  setUnplugged(unplugged: boolean): void;
  /** Every request so far, in arrival order (copies). */
  requests(): ProxiedRequest[];
  /** Resolves with the first request (past or future) matching `predicate`, checked as records change. */
  waitForRequest(predicate: (r: ProxiedRequest) => boolean, timeoutMs?: number): Promise<ProxiedRequest>;
  /** Clears the fault queue and the request log, and sets the default back to `pass`. */
  reset(): void;
  /** Closes the server and every connection, hung ones included. Idempotent. */
  stop(): Promise<void>;
}

const PASS: FaultMode = { kind: 'pass' };
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length']);

export async function startFaultyProxy(options: FaultyProxyOptions): Promise<FaultyProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`faulty proxy: target must be http://, got ${options.target}`);
  const faultable = options.faultable ?? ((method: string, pathname: string) => method === 'POST' && pathname === '/v1/batch');
  // No keep-alive upstream: a collector restarted behind the proxy must not meet a stale socket.
  const agent = new Agent({ keepAlive: false });

  let queue: FaultMode[] = [];
  let defaultMode: FaultMode = PASS;
  let records: ProxiedRequest[] = [];
  const waiters = new Set<{ predicate: (r: ProxiedRequest) => boolean; resolve: (r: ProxiedRequest) => void }>();
  const sockets = new Set<Socket>();

  const changed = (record: ProxiedRequest): void => {
    for (const w of waiters) {
      if (w.predicate(record)) {
        waiters.delete(w);
        w.resolve({ ...record });
      }
    }
  };
  const update = (record: ProxiedRequest, patch: Partial<ProxiedRequest>): void => {
    // A client that left first stays 'client-closed'; what the collector said is still worth keeping.
    if (record.outcome === 'client-closed') patch = { upstreamStatus: patch.upstreamStatus ?? record.upstreamStatus };
    Object.assign(record, patch);
    changed(record);
  };

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const pathname = new URL(path, 'http://proxy.invalid').pathname;
    let mode: FaultMode = PASS;
    let source: ProxiedRequest['source'] = 'not-faultable';
    if (method !== 'OPTIONS' && faultable(method, pathname)) {
      const next = queue.shift();
      mode = next ?? defaultMode;
      source = next ? 'one-shot' : 'default';
    }
    const record: ProxiedRequest = {
      method, path, at: Date.now(), mode, source, status: null, upstreamStatus: null, outcome: 'pending', headers: { ...req.headers }, bodyBytes: 0,
    };
    records.push(record);
    res.on('close', () => {
      if (record.outcome === 'pending' && !res.writableFinished) update(record, { outcome: 'client-closed' });
    });

    readBody(req)
      .then(async (body) => {
        record.bodyBytes = body.length;
        switch (mode.kind) {
          case 'pass': {
            const answer = await forward(req, body);
            send(res, answer.status, answer.headers, answer.body);
            update(record, { upstreamStatus: answer.status, status: answer.status, outcome: 'answered' });
            return;
          }
          case 'status': {
            const { headers, payload } = faultAnswer(mode, req.headers.origin);
            send(res, mode.status, headers, payload);
            update(record, { status: mode.status, outcome: 'answered' });
            return;
          }
          case 'cut-after-commit': {
            const answer = await forward(req, body);
            update(record, { upstreamStatus: answer.status, outcome: 'cut' });
            cut(req.socket);
            return;
          }
          case 'hang': {
            const upstreamStatus = mode.forward ? (await forward(req, body)).status : null;
            update(record, { upstreamStatus, outcome: 'hung' });
            return;
          }
        }
      })
      .catch(() => {
        // The collector is unreachable or failed mid-answer: the client sees what it would see
        // without the proxy, a network error.
        if (record.outcome === 'pending') update(record, { outcome: 'upstream-error' });
        cut(req.socket);
      });
  });

  let unplugged = false;
  server.on('connection', (socket) => {
    // Unplugged: the connection is reset before a byte is read, so nothing is logged and the
    // browser's fetch fails at once, as it does when the network is gone.
    if (unplugged) return void socket.destroy();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: OutgoingHttpHeaders; body: Buffer }> {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers.host = target.host;
    if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = body.length;
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (answer) => {
          readBody(answer).then((buf) => {
            const out: OutgoingHttpHeaders = {};
            for (const [name, value] of Object.entries(answer.headers)) {
              if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
            }
            resolve({ status: answer.statusCode ?? 502, headers: out, body: buf });
          }, reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let stopped: Promise<void> | null = null;
  const setDefault = (mode: FaultMode): void => {
    defaultMode = checkMode(mode);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    fail(...modes) {
      queue.push(...modes.map(checkMode));
    },
    setDefault,
    setMode: setDefault,
    pendingFaults: () => queue.length,
    setUnplugged(next) {
      unplugged = next;
      if (next) for (const socket of sockets) socket.destroy();
    },
    requests: () => records.map((r) => ({ ...r })),
    waitForRequest(predicate, timeoutMs = 10_000) {
      const found = records.find(predicate);
      if (found) return Promise.resolve({ ...found });
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (r: ProxiedRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`faulty proxy: no matching request within ${timeoutMs} ms; saw ${summarize(records)}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    reset() {
      queue = [];
      defaultMode = PASS;
      records = [];
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      });
      return stopped;
    },
  };
}

function checkMode(mode: FaultMode): FaultMode {
  if (mode.kind === 'status' && !(Number.isInteger(mode.status) && mode.status >= 200 && mode.status <= 599)) {
    throw new Error(`faulty proxy: status must be an integer from 200 to 599, got ${mode.status}`);
  }
  return mode;
}

function faultAnswer(mode: Extract<FaultMode, { kind: 'status' }>, origin: string | undefined): { headers: OutgoingHttpHeaders; payload: Buffer } {
  const headers: OutgoingHttpHeaders = {};
  let payload: Buffer;
  if (mode.body !== undefined) {
    payload = Buffer.from(mode.body);
  } else {
    headers['content-type'] = 'application/json; charset=utf-8';
    payload = Buffer.from(JSON.stringify({ error: 'injected-fault', reason: `the faulty proxy answered ${mode.status}` }));
  }
  if (mode.retryAfter !== undefined) headers['retry-after'] = String(mode.retryAfter);
  if (origin !== undefined) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-expose-headers'] = 'Retry-After, Accept-Encoding';
    headers.vary = 'origin';
  }
  for (const [name, value] of Object.entries(mode.headers ?? {})) headers[name.toLowerCase()] = value;
  return { headers, payload };
}

function send(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer): void {
  res.writeHead(status, { ...headers, 'content-length': body.length, connection: 'close' });
  res.end(body);
}

/** Resets the connection (RST), the closest thing to a lost answer a client can observe. */
function cut(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.once('aborted', () => reject(new Error('request aborted')));
  });
}

function summarize(records: readonly ProxiedRequest[]): string {
  if (records.length === 0) return 'no requests';
  return records.map((r) => `${r.method} ${r.path} ${r.mode.kind} → ${r.outcome}${r.status === null ? '' : ` ${r.status}`}`).join('; ');
}

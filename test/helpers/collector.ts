/**
 * The one collector launcher of the tests (integration, e2e, cross, clients, consumer): the built
 * bin (dist/collector/cli.js; build first) as a child process through test/helpers/process.ts, so
 * it is ready on its "listening on" line (printed once it serves), stopped with SIGTERM
 * then SIGKILL, and stopped after the file even when a test timed out first.
 *
 * By default it listens on a port the OS picks (`--port 0`, read back from that line) with a fresh
 * SQLite file in its own temp dir; `port` fixes the port, so `stop()` then `start()` brings it back
 * at the URL a service worker already knows, with the events stored so far still there. The child's
 * environment is explicit: no HOMING_* from the shell running the tests leaks in.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runProcess, startProcess, type Exit, type Managed } from './process.js';

export const CLI = fileURLToPath(new URL('../../dist/collector/cli.js', import.meta.url));

export const ADMIN_KEY = 'admin-key-0123456789abcdef';

const LISTENING = /homing-collector listening on (https?):\/\/[^\s:]+:(\d+)/;

export interface Collector {
  /** `http://host:port` (https with TLS); the same across `stop()`/`start()`. */
  readonly url: string;
  readonly port: number;
  dir: string;
  /** The `--db` given: the SQLite file, or a ClickHouse URL. */
  dbPath: string;
  /** The running child (the last one, once stopped). */
  readonly proc: ChildProcess;
  /** PID of the running child, or undefined while stopped. */
  pid(): number | undefined;
  /** Everything the children printed, for assertions and failure messages. */
  output(): string;
  /** Resolves once the current child's output matches, or rejects after `ms`. */
  waitForOutput(pattern: RegExp, ms?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) to this child and waits for it to exit (SIGKILL after the grace period). */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** Starts it again on the same port and database; resolves once it serves. */
  start(): Promise<void>;
  /** Stops the process if it still runs and removes its temp dir. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** More flags, e.g. `['--write-keys', key]`. */
  args?: readonly string[];
  env?: Record<string, string>;
  /** Reuse a directory (its collector.sqlite); a fresh temp dir otherwise (none when `dbPath` is given). */
  dir?: string;
  /** `--db`: a SQLite file or a ClickHouse URL; `<dir>/collector.sqlite` by default. */
  dbPath?: string;
  /** A fixed port; 0 (the OS picks) by default. */
  port?: number;
  host?: string;
  /** `--origins`: exact origins allowed to send from a browser, or `'*'`; the bin's default when absent. */
  origins?: readonly string[] | '*';
  /** The bin to run; the built dist/collector/cli.js by default (the consumer tests run the packed one). */
  cliPath?: string;
  /** Start-up budget (test/helpers/process.ts START_TIMEOUT_MS by default). */
  timeoutMs?: number;
}

export async function startCollector(options: StartOptions = {}): Promise<Collector> {
  const cli = options.cliPath ?? CLI;
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: build first (node build.mjs)`);
  // A temp dir only when the database goes in it; removed by dispose() unless it was given.
  const ownDir = options.dir === undefined && options.dbPath === undefined;
  const dir = options.dir ?? (ownDir ? mkdtempSync(join(tmpdir(), 'homing-int-')) : '');
  const dbPath = options.dbPath ?? join(dir, 'collector.sqlite');
  const host = options.host ?? '127.0.0.1';
  const origins = options.origins === undefined ? [] : ['--origins', options.origins === '*' ? '*' : options.origins.join(',')];
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env };
  let port = options.port ?? 0;
  let scheme = 'http';
  let child: Managed | null = null;
  let last: Managed | null = null;
  let earlier = '';

  async function start(): Promise<void> {
    if (child?.running()) return;
    if (last) earlier += last.output() + '\n';
    const args = [cli, '--port', String(port), '--host', host, '--db', dbPath, ...origins, ...(options.args ?? [])];
    child = last = await startProcess({
      name: 'collector',
      command: process.execPath,
      args,
      env,
      timeoutMs: options.timeoutMs,
      // Printed once `listen` has resolved: requests are served from then on. (No /healthz probe:
      // it would add a request to the logs some tests read.)
      ready: LISTENING,
    });
    const m = LISTENING.exec(child.output())!;
    [scheme, port] = [m[1]!, Number(m[2])];
  }

  try {
    await start();
  } catch (err) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    get url() {
      return `${scheme}://${host}:${port}`;
    },
    get port() {
      return port;
    },
    dir,
    dbPath,
    get proc() {
      return last!.proc;
    },
    pid: () => (child?.running() ? child.pid : undefined),
    output: () => earlier + (last?.output() ?? ''),
    async waitForOutput(pattern: RegExp, ms?: number) {
      await last!.waitForOutput(pattern, ms);
    },
    async stop(signal?: NodeJS.Signals) {
      const proc = last!;
      child = null;
      return proc.stop(signal);
    },
    start,
    async dispose() {
      await last?.stop();
      child = null;
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the bin to completion (`audit`, a start-up that must fail): its exit and output. */
export function runCollectorCli(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  return runProcess(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...options.env }, timeoutMs: options.timeoutMs });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = any>(): T;
}

/**
 * One HTTP request on a fresh connection (no agent: a test that breaks a connection cannot poison
 * the next request), with the body sent exactly as given.
 */
/** `body` as an array is written piece by piece without a length: `Transfer-Encoding: chunked`. */
export function send(
  url: string,
  init: { method?: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer | readonly Buffer[] },
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: init.method ?? 'GET', path: init.path, headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (Array.isArray(init.body)) {
      for (const piece of init.body as readonly Buffer[]) req.write(piece);
      req.end();
    } else req.end(init.body as string | Buffer | undefined);
  });
}

export function postJson(url: string, path: string, value: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return send(url, { method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) });
}

export interface Row {
  message_id: string;
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  channel: string | null;
  channels: string | null;
  consent: string | null;
  payload: any;
}

/** Rows read through a read-only connection (safe while the collector writes: WAL). */
export function readRows(dbPath: string, where = '1 = 1', ...params: unknown[]): Row[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(`SELECT message_id, type, event, user_id, anonymous_id, channel, channels, consent, payload FROM events WHERE ${where} ORDER BY rowid`)
      .all(...params) as Array<Row & { payload: string }>;
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
  } finally {
    db.close();
  }
}

export function countRows(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  } finally {
    db.close();
  }
}

export async function stats(c: Collector): Promise<Record<string, number>> {
  const res = await send(c.url, { path: '/v1/stats', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  if (res.status !== 200) throw new Error(`stats answered ${res.status}: ${res.text}`);
  return res.json().counters;
}

/** A request that must succeed while the server is under attack. */
export async function healthy(url: string): Promise<boolean> {
  const res = await send(url, { path: '/healthz' });
  return res.status === 200;
}

export interface StoredRow {
  messageId: string;
  /** Epoch ms, collector clock. */
  receivedAt: number;
  /** The stored payload: the wire event plus `receivedAt` and `originalTimestamp`. */
  event: Record<string, any>;
}

/**
 * Every stored event in insertion order, read straight from the collector's SQLite file through a
 * read-only connection (safe while the collector runs: WAL readers do not block its writes).
 */
export function readEvents(dbPath: string): StoredRow[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT message_id, received_at, payload FROM events ORDER BY rowid').all() as Array<{
      message_id: string;
      received_at: number;
      payload: string;
    }>;
    return rows.map((r) => ({ messageId: r.message_id, receivedAt: r.received_at, event: JSON.parse(r.payload) }));
  } finally {
    db.close();
  }
}

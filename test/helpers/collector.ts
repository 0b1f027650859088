/**
 * A real collector process for the integration tests: the built bin (dist/collector/cli.js; build
 * first) on a port the OS picks (`--port 0`, read back from its "listening on" line), a fresh SQLite
 * file in its own temp dir, and whatever flags and environment the test needs.
 *
 * Only the child this helper spawned is ever signalled, by its PID. Everything it prints is kept,
 * for assertions on logs and for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const CLI = fileURLToPath(new URL('../../dist/collector/cli.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;

export const ADMIN_KEY = 'admin-key-0123456789abcdef';

export interface Collector {
  /** `http://127.0.0.1:port` (https with TLS). */
  url: string;
  port: number;
  dir: string;
  dbPath: string;
  proc: ChildProcess;
  output(): string;
  /** Resolves once the output matches, or rejects after `ms`. */
  waitForOutput(pattern: RegExp, ms?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) to this child and waits for it to exit (SIGKILL after 15 s). */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the process if it still runs and removes its temp dir. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string>;
  /** Reuse a directory (its collector.sqlite); a fresh temp dir otherwise. */
  dir?: string;
}

export async function startCollector(options: StartOptions = {}): Promise<Collector> {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: build first (node build.mjs --no-types)`);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'homing-int-'));
  const dbPath = join(dir, 'collector.sqlite');
  const args = [CLI, '--port', '0', '--host', '127.0.0.1', '--db', dbPath, ...(options.args ?? [])];
  // The environment is explicit: no HOMING_* from the shell running the tests leaks in.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...options.env };
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of waiters) w();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const w of waiters) w();
    }),
  );

  function waitForOutput(pattern: RegExp, ms = START_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pattern.test(output)) done();
        else if (proc.exitCode !== null || proc.signalCode !== null) done(new Error(`collector exited before printing ${pattern}\n${output}`));
      };
      const timer = setTimeout(() => done(new Error(`no ${pattern} within ${ms} ms\n--- collector output ---\n${output}`)), ms);
      const done = (err?: Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      waiters.add(check);
      check();
    });
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM') {
    if (proc.exitCode === null && proc.signalCode === null) {
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      proc.kill(signal);
      const result = await exited;
      clearTimeout(timer);
      return result;
    }
    return exited;
  }

  try {
    await waitForOutput(/homing-collector listening on https?:\/\/127\.0\.0\.1:\d+/);
  } catch (err) {
    await stop('SIGKILL');
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const m = /homing-collector listening on (https?):\/\/127\.0\.0\.1:(\d+)/.exec(output)!;
  const port = Number(m[2]);
  return {
    url: `${m[1]}://127.0.0.1:${port}`,
    port,
    dir,
    dbPath,
    proc,
    output: () => output,
    waitForOutput,
    stop,
    async dispose() {
      await stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
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

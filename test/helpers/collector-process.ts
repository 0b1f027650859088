/**
 * A real collector process for the e2e tests: the built bin (dist/collector/cli.js, so run the
 * build first) on a fixed port and SQLite file, so it can be stopped and started again at the same
 * URL the service worker already knows, with the events stored so far still there.
 *
 * Only the child this helper spawned is ever signalled, by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const CLI = fileURLToPath(new URL('../../dist/collector/cli.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export interface CollectorProcessOptions {
  port: number;
  dbPath: string;
  /** Exact origins allowed to send from a browser; `'*'` (the default) allows any. */
  origins?: readonly string[] | '*';
  host?: string;
  /** The bin to run; defaults to the built dist/collector/cli.js. */
  cliPath?: string;
  /** More flags, e.g. `['--write-keys', key]`. */
  extraArgs?: readonly string[];
}

export interface CollectorProcess {
  /** `http://host:port`, the same across restarts. */
  url: string;
  /** PID of the running child, or undefined while stopped. */
  pid(): number | undefined;
  /** SIGTERM to this child only, then waits for it to exit (SIGKILL if it does not in 10 s). */
  stop(): Promise<void>;
  /** Starts it again on the same port and database; resolves once `/healthz` answers. */
  start(): Promise<void>;
  /** Everything the child printed, for failure messages. */
  output(): string;
}

export async function startCollectorProcess(options: CollectorProcessOptions): Promise<CollectorProcess> {
  const cli = options.cliPath ?? CLI;
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: build first (node build.mjs --no-types)`);
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host}:${options.port}`;
  const origins = options.origins === undefined || options.origins === '*' ? '*' : options.origins.join(',');
  let child: ChildProcess | null = null;
  let output = '';

  async function start(): Promise<void> {
    if (child) return;
    const args = [cli, '--port', String(options.port), '--host', host, '--db', options.dbPath, '--origins', origins, ...(options.extraArgs ?? [])];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    try {
      await waitForListening(proc, (text) => (output += text));
      await waitForHealth(url, proc);
    } catch (err) {
      await kill(proc);
      if (child === proc) child = null;
      throw new Error(`${(err as Error).message}\n--- collector output ---\n${output}`);
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (proc) await kill(proc);
  }

  await start();
  return { url, pid: () => child?.pid, stop, start, output: () => output };
}

/** Resolves on the bin's "listening on" line (which may arrive split across chunks). */
function waitForListening(proc: ChildProcess, record: (text: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => done(new Error(`collector did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(new Error(`collector exited (${signal ?? code}) before listening`));
    const onStdout = (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      if (stdout.includes('homing-collector listening on ')) done();
    };
    const done = (err?: Error) => {
      clearTimeout(timer);
      proc.off('exit', onExit);
      proc.stdout!.off('data', onStdout);
      if (err) reject(err);
      else resolve();
    };
    // Keep draining both pipes for the child's whole life, or a full pipe would block it.
    proc.stdout!.on('data', (chunk: Buffer) => record(chunk.toString()));
    proc.stderr!.on('data', (chunk: Buffer) => record(chunk.toString()));
    proc.stdout!.on('data', onStdout);
    proc.once('exit', onExit);
  });
}

/** The printed line says the socket is bound; `/healthz` says requests are served. */
async function waitForHealth(url: string, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error('collector exited while starting');
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/healthz did not answer within ${START_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
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

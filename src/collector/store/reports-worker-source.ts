/**
 * A `ReportSource` whose queries run on worker threads (./reports-worker.ts), each method a
 * message, each thread with its own read-only connection. Two threads by default: the dashboard
 * asks for several reports at once, and a slow one should not hold up the others. A call goes to
 * the thread with the fewest calls waiting. If a thread dies, the calls it had not answered fail
 * (the route answers 503) and the next call starts it again.
 */
import { Worker } from 'node:worker_threads';
import type { ReportSource } from '../reports/source.js';

type Method = Exclude<keyof ReportSource, 'close'>;

/** Main thread → worker. */
export type ReportCall = { id: number; method: Method; args: unknown[] } | { id: number; method: 'close'; args: [] };
/** Worker → main thread; `id` 0 says the database opened, or why not. */
export type ReportReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

const METHODS: readonly Method[] = ['eventCounts', 'typeCounts', 'topEvents', 'sessionSizes', 'attribution', 'funnel', 'counters', 'deliveries'];

interface Thread {
  call(method: ReportCall['method'], args: unknown[]): Promise<unknown>;
  readonly waiting: number;
  ready(): Promise<void>;
  close(): Promise<void>;
}

function startThread(path: string, workerUrl: URL): Thread {
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let calls = 0;
  let worker: Worker | null = null;
  let ready: Promise<void> = Promise.resolve();

  function start(): void {
    const w = new Worker(workerUrl, { workerData: { path } });
    worker = w;
    ready = new Promise<void>((resolve, reject) => {
      w.once('message', (m: ReportReply) => (m.ok ? resolve() : reject(new Error(`cannot open ${path} for reports: ${m.error}`))));
      w.once('exit', () => reject(new Error('the report worker exited while starting')));
    });
    ready.catch(() => {});
    w.on('message', (m: ReportReply) => {
      const p = m.id === 0 ? undefined : pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
    const fail = (why: string) => {
      if (worker !== w) return;
      worker = null;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new Error(why));
      }
    };
    w.on('error', (err) => fail(`the report worker failed: ${err.message}`));
    w.on('exit', (code) => fail(`the report worker exited (${code})`));
  }

  start();
  return {
    // Counted from the moment of the call, not from when the message is posted (after `ready`):
    // calls made together must see each other, or they would all pick the same thread.
    get waiting() {
      return calls;
    },
    ready: () => ready,
    async call(method, args) {
      calls++;
      try {
        if (!worker) start();
        await ready;
        const id = nextId++;
        return await new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          worker!.postMessage({ id, method, args });
        });
      } finally {
        calls--;
      }
    },
    async close() {
      const w = worker;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      await this.call('close', []).catch(() => {});
      await exited;
    },
  };
}

export async function createSqliteReportWorker(
  path: string,
  options: { threads?: number; workerUrl?: URL } = {},
): Promise<ReportSource> {
  const { threads = 2, workerUrl = new URL('./reports-worker.js', import.meta.url) } = options;
  const pool = Array.from({ length: threads }, () => startThread(path, workerUrl));
  try {
    await Promise.all(pool.map((t) => t.ready()));
  } catch (err) {
    await Promise.all(pool.map((t) => t.close().catch(() => {})));
    throw err;
  }
  let closed = false;
  const call = (method: Method, args: unknown[]) => {
    if (closed) return Promise.reject(new Error('the report source is closed'));
    const least = pool.reduce((a, b) => (b.waiting < a.waiting ? b : a));
    return least.call(method, args);
  };
  const source = Object.fromEntries(METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as ReportSource;
  source.close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(pool.map((t) => t.close()));
  };
  return source;
}

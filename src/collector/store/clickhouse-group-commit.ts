/**
 * Group commit for a store that wants few, large writes (ClickHouse makes a part per INSERT and
 * merges them in the background: 100-row inserts ran at ~18k events/s here, 10,000-row ones at
 * ~99k, docs/store-facts.md "ClickHouse").
 *
 * Requests' jobs wait in a queue and are committed together: a group goes as soon as it holds
 * `maxRows` rows, or `maxMs` after its oldest job arrived, whichever comes first. One commit runs
 * at a time, so a commit sees everything the ones before it wrote (the ClickHouse store relies on
 * that for exact duplicate receipts). Each job's promise settles with that commit: resolved only
 * after it succeeded, rejected (every job of the group) when it failed, so nothing is acknowledged
 * that is not stored.
 *
 * Backpressure: past `maxQueued` rows waiting or being committed, `submit` refuses at once with
 * `StoreBusyError` (the route answers 503 + Retry-After) instead of queueing without bound.
 */
import { StoreBusyError } from './worker-store.js';

export interface GroupCommitOptions<J, R> {
  /** A group is committed once it holds this many rows... */
  maxRows: number;
  /** ...or this long after its oldest job arrived. */
  maxMs: number;
  /** Rows waiting or being committed beyond which `submit` refuses. */
  maxQueued: number;
  /** Rows in one job. */
  size(job: J): number;
  /** Writes the jobs, all or none; answers one result per job, in order. */
  commit(jobs: J[]): Promise<R[]>;
  /** Timers, injectable so tests decide when a group is due. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  now?: () => number;
}

export interface GroupCommit<J, R> {
  submit(job: J): Promise<R>;
  /** Rows waiting or being committed. */
  pending(): number;
  /** Commits everything queued without waiting for `maxMs`, refuses new jobs, resolves when done. Idempotent. */
  close(): Promise<void>;
}

interface Waiting<J, R> {
  job: J;
  rows: number;
  since: number;
  resolve(result: R): void;
  reject(err: Error): void;
}

export function createGroupCommit<J, R>(options: GroupCommitOptions<J, R>): GroupCommit<J, R> {
  const {
    maxRows, maxMs, maxQueued, size, commit,
    setTimer = (fn, ms) => setTimeout(fn, ms),
    clearTimer = (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    now = () => performance.now(),
  } = options;
  const queue: Waiting<J, R>[] = [];
  let queuedRows = 0;
  let committingRows = 0;
  let committing: Promise<void> | null = null;
  let timer: unknown = null;
  let closing = false;
  let closed: Promise<void> | null = null;

  function schedule(): void {
    if (committing || queue.length === 0) return;
    if (closing || queuedRows >= maxRows) {
      start();
      return;
    }
    if (timer !== null) return;
    const wait = maxMs - (now() - queue[0].since);
    if (wait <= 0) {
      start();
      return;
    }
    timer = setTimer(() => {
      timer = null;
      if (!committing && queue.length > 0) start();
    }, wait);
  }

  function start(): void {
    if (timer !== null) {
      clearTimer(timer);
      timer = null;
    }
    // At least one job, then whole jobs up to maxRows: a request is never split across commits.
    const group: Waiting<J, R>[] = [];
    let rows = 0;
    while (queue.length > 0 && (group.length === 0 || rows + queue[0].rows <= maxRows)) {
      const w = queue.shift()!;
      group.push(w);
      rows += w.rows;
    }
    queuedRows -= rows;
    committingRows = rows;
    committing = run(group).finally(() => {
      committing = null;
      committingRows = 0;
      schedule();
    });
  }

  async function run(group: Waiting<J, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await commit(group.map((w) => w.job));
      if (results.length !== group.length) throw new Error(`commit answered ${results.length} results for ${group.length} jobs`);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      for (const w of group) w.reject(error);
      return;
    }
    group.forEach((w, i) => w.resolve(results[i]));
  }

  return {
    submit(job) {
      if (closing) return Promise.reject(new Error('the store is closed'));
      const rows = size(job);
      const busy = queuedRows + committingRows;
      // One request is always let in when nothing waits, however big: it could never fit otherwise.
      if (busy > 0 && busy + rows > maxQueued) return Promise.reject(new StoreBusyError(busy));
      return new Promise<R>((resolve, reject) => {
        queue.push({ job, rows, since: now(), resolve, reject });
        queuedRows += rows;
        schedule();
      });
    },
    pending: () => queuedRows + committingRows,
    close() {
      closed ??= (async () => {
        closing = true;
        schedule();
        while (committing) await committing;
      })();
      return closed;
    },
  };
}

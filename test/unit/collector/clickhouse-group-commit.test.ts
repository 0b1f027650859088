/**
 * The group commit's rules with its edges injected: a recording commit function and a timer the
 * test fires by hand, so "after maxMs" is decided by the test, never by the clock.
 */
import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../../src/collector/store/clickhouse-group-commit.js';
import { StoreBusyError } from '../../../src/collector/store/worker-store.js';

type Job = { name: string; rows: number };

function setup(options: { maxRows?: number; maxQueued?: number; fail?: (jobs: Job[]) => boolean } = {}) {
  const commits: string[][] = [];
  const release: Array<() => void> = [];
  let timer: (() => void) | null = null;
  let clock = 0;
  const group = createGroupCommit<Job, string>({
    maxRows: options.maxRows ?? 100,
    maxMs: 50,
    maxQueued: options.maxQueued ?? 1_000,
    size: (j) => j.rows,
    commit: async (jobs) => {
      commits.push(jobs.map((j) => j.name));
      // Each commit waits until the test lets it finish, so overlap would show.
      await new Promise<void>((r) => release.push(r));
      if (options.fail?.(jobs)) throw new Error('ClickHouse said no');
      return jobs.map((j) => `${j.name}:ok`);
    },
    setTimer: (fn) => {
      timer = fn;
      return fn;
    },
    clearTimer: () => {
      timer = null;
    },
    now: () => clock,
  });
  const fireTimer = () => {
    const t = timer;
    timer = null;
    t?.();
  };
  const tick = () => new Promise((r) => setImmediate(r));
  return { group, commits, release, fireTimer, hasTimer: () => timer !== null, tick, advance: (ms: number) => (clock += ms) };
}

describe('createGroupCommit', () => {
  it('waits for maxMs, then commits every waiting request together and answers each with its own result', async () => {
    const t = setup();
    const a = t.group.submit({ name: 'a', rows: 10 });
    const b = t.group.submit({ name: 'b', rows: 10 });
    await t.tick();
    expect(t.commits).toEqual([]);
    t.fireTimer();
    expect(t.commits).toEqual([['a', 'b']]);
    t.release.shift()!();
    expect(await Promise.all([a, b])).toEqual(['a:ok', 'b:ok']);
  });

  it('commits at once when maxRows are waiting, never splitting a request, one commit at a time', async () => {
    const t = setup({ maxRows: 100 });
    const jobs = ['a', 'b', 'c'].map((name) => t.group.submit({ name, rows: 40 }));
    // a + b = 80 rows; with c it would be 120 > 100: a and b go now, c waits.
    expect(t.commits).toEqual([['a', 'b']]);
    const d = t.group.submit({ name: 'd', rows: 70 });
    // c + d = 110 rows are due, but the first commit is still running: nothing overlaps it.
    expect(t.commits).toHaveLength(1);
    t.release.shift()!();
    await t.tick();
    expect(t.commits).toEqual([['a', 'b'], ['c']]);
    t.release.shift()!();
    await t.tick();
    // d alone (70 rows) is below maxRows: it waits for its maxMs.
    expect(t.commits).toEqual([['a', 'b'], ['c']]);
    t.fireTimer();
    expect(t.commits).toEqual([['a', 'b'], ['c'], ['d']]);
    t.release.shift()!();
    expect(await Promise.all([...jobs, d])).toEqual(['a:ok', 'b:ok', 'c:ok', 'd:ok']);
  });

  it('lets in one request bigger than maxRows when nothing else waits', async () => {
    const t = setup({ maxRows: 100, maxQueued: 150 });
    const big = t.group.submit({ name: 'big', rows: 500 });
    expect(t.commits).toEqual([['big']]);
    t.release.shift()!();
    expect(await big).toBe('big:ok');
  });

  it('commits requests that waited through a long commit as soon as it ends, if their maxMs has passed', async () => {
    const t = setup();
    const a = t.group.submit({ name: 'a', rows: 1 });
    t.fireTimer();
    const b = t.group.submit({ name: 'b', rows: 1 });
    t.advance(80);
    t.release.shift()!();
    await a;
    await t.tick();
    expect(t.commits).toEqual([['a'], ['b']]);
    t.release.shift()!();
    expect(await b).toBe('b:ok');
  });

  it('rejects every request of a failed commit, and the next group is unaffected', async () => {
    const t = setup({ fail: (jobs) => jobs.some((j) => j.name === 'bad') });
    const a = t.group.submit({ name: 'a', rows: 1 });
    const bad = t.group.submit({ name: 'bad', rows: 1 });
    t.fireTimer();
    t.release.shift()!();
    await expect(a).rejects.toThrow('ClickHouse said no');
    await expect(bad).rejects.toThrow('ClickHouse said no');
    const c = t.group.submit({ name: 'c', rows: 1 });
    t.fireTimer();
    t.release.shift()!();
    expect(await c).toBe('c:ok');
  });

  it('refuses with StoreBusyError past maxQueued rows (waiting or committing), and accepts again after', async () => {
    const t = setup({ maxRows: 100, maxQueued: 150 });
    const a = t.group.submit({ name: 'a', rows: 100 }); // committing
    const b = t.group.submit({ name: 'b', rows: 40 }); // waiting
    await expect(t.group.submit({ name: 'c', rows: 20 })).rejects.toBeInstanceOf(StoreBusyError);
    expect(t.group.pending()).toBe(140);
    t.release.shift()!();
    await a;
    await t.tick();
    t.fireTimer();
    t.release.shift()!();
    await b;
    await t.tick();
    expect(t.group.pending()).toBe(0);
    const c = t.group.submit({ name: 'c', rows: 20 });
    t.fireTimer();
    t.release.shift()!();
    expect(await c).toBe('c:ok');
  });

  it('on close, commits what waits without waiting for maxMs, then refuses new requests', async () => {
    const t = setup({ maxRows: 100 });
    const a = t.group.submit({ name: 'a', rows: 60 });
    const b = t.group.submit({ name: 'b', rows: 60 });
    const closed = t.group.close();
    expect(t.commits).toEqual([['a']]);
    t.release.shift()!();
    await t.tick();
    expect(t.commits).toEqual([['a'], ['b']]);
    expect(t.hasTimer()).toBe(false);
    t.release.shift()!();
    await closed;
    expect(await Promise.all([a, b])).toEqual(['a:ok', 'b:ok']);
    await expect(t.group.submit({ name: 'late', rows: 1 })).rejects.toThrow(/closed/);
    await t.group.close(); // idempotent
  });
});

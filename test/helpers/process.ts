/**
 * The one process helper of the tests: every child a test starts (a collector, ClickHouse, a
 * browser, a bin run to completion) goes through here, so each is
 *
 * - started against a readiness signal (a pattern in its output, or a probe) within a timeout sized
 *   for a loaded 2-core machine (CI's machines run vitest, a build and browsers side by side);
 * - stopped the same way: SIGTERM to this child only (by its PID), SIGKILL after a grace period;
 * - registered while it runs: `stopAll()` stops whatever is left. The vitest projects run it in an
 *   afterAll of every file (test/helpers/process-cleanup.ts), so a test or hook that timed out
 *   before its own cleanup still leaves no process behind (without that hook, a child outlives the
 *   vitest worker that started it); a synchronous SIGKILL when the test process exits normally is
 *   the last resort elsewhere (Playwright's fixtures stop their own processes on timeouts).
 *
 * Everything a child prints is kept, for assertions and failure messages, and both pipes are drained
 * for its whole life (a full pipe would block it).
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Start-up budget: a collector starts in ~0.3 s idle, but took several seconds on a busy CI machine. */
export const START_TIMEOUT_MS = 30_000;
/** Grace between SIGTERM and SIGKILL. */
export const STOP_GRACE_MS = 10_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Managed {
  name: string;
  proc: ChildProcess;
  pid: number | undefined;
  /** Everything printed so far (stdout and stderr interleaved), when the pipes are this helper's. */
  output(): string;
  /** Resolves with the match once the output matches `pattern`; rejects on exit or after `ms`. */
  waitForOutput(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  running(): boolean;
  /** Resolves when the child has exited. */
  exited: Promise<Exit>;
  /** `signal` (SIGTERM by default) to this child, SIGKILL after the grace period; resolves on exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface StartOptions {
  /** For messages: "collector", "clickhouse", … */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  /** The child's whole environment (nothing is inherited unless passed). */
  env?: NodeJS.ProcessEnv;
  /** Ready once the output matches this. */
  ready?: RegExp;
  /** Ready once this resolves true (polled every 100 ms, after `ready` matched if both are given). */
  probe?: (child: Managed) => Promise<boolean>;
  /** Start-up budget; START_TIMEOUT_MS by default. */
  timeoutMs?: number;
  /** SIGTERM-to-SIGKILL grace; STOP_GRACE_MS by default. */
  graceMs?: number;
}

const live = new Set<Managed>();

/** Starts a child and resolves once it is ready; on failure it is stopped and the error carries its output. */
export async function startProcess(options: StartOptions): Promise<Managed> {
  const proc = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const managed = manage(options.name, proc, options.graceMs);
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  try {
    // A spawn failure (ENOENT) is an 'error' event, not an exit.
    const failed = new Promise<never>((_, reject) => proc.once('error', reject));
    failed.catch(() => undefined);
    if (options.ready) await Promise.race([managed.waitForOutput(options.ready, timeoutMs), failed]);
    if (options.probe) {
      for (;;) {
        if (!managed.running()) throw new Error(`${options.name} exited while starting`);
        if (await options.probe(managed).catch(() => false)) break;
        if (Date.now() > deadline) throw new Error(`${options.name} was not ready within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await managed.stop('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- ${options.name} output ---\n${managed.output()}`, { cause: err });
  }
  return managed;
}

/**
 * Registers a child someone else spawned (puppeteer's browser), so `stopAll()` stops it too. Its
 * pipes are not read here (their owner drains them); `output()` is empty.
 */
export function adoptProcess(name: string, proc: ChildProcess, graceMs?: number): Managed {
  return manage(name, proc, graceMs, false);
}

/** Runs a command to completion (a bin's exit code and output), stopped if it outlives `timeoutMs`. */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const managed = manage(command, proc, undefined, false);
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
  const timer = setTimeout(() => void managed.stop(), timeoutMs);
  const failed = new Promise<never>((_, reject) => proc.once('error', reject));
  try {
    const exit = await Promise.race([managed.exited, failed]);
    return { ...exit, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Stops every child still running (SIGTERM, then SIGKILL after each one's grace). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((m) => m.stop()));
}

/** How many registered children still run (for tests of the tests). */
export function liveProcesses(): number {
  return live.size;
}

function manage(name: string, proc: ChildProcess, graceMs = STOP_GRACE_MS, readPipes = true): Managed {
  let output = '';
  const waiters = new Set<() => void>();
  const exited = new Promise<Exit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      live.delete(managed);
      resolve({ code, signal });
      for (const w of waiters) w();
    };
    if (proc.exitCode !== null || proc.signalCode !== null) queueMicrotask(() => done(proc.exitCode, proc.signalCode));
    else proc.once('exit', done);
    // Never started (ENOENT): no 'exit' follows an 'error'.
    proc.once('error', () => {
      if (proc.pid === undefined) done(null, null);
    });
  });
  if (readPipes) {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const w of waiters) w();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
  }
  const running = () => live.has(managed) && proc.exitCode === null && proc.signalCode === null;

  function waitForOutput(pattern: RegExp, ms = START_TIMEOUT_MS): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(output);
        if (m) done(undefined, m);
        else if (!running()) done(new Error(`${name} exited before printing ${pattern}`));
      };
      const timer = setTimeout(() => done(new Error(`${name} printed no ${pattern} within ${ms} ms`)), ms);
      const done = (err?: Error, m?: RegExpExecArray) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) reject(new Error(`${err.message}\n--- ${name} output ---\n${output}`));
        else resolve(m!);
      };
      waiters.add(check);
      check();
    });
  }

  let stopping: Promise<Exit> | null = null;
  function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (!running()) return exited;
    if (signal === 'SIGKILL') {
      proc.kill('SIGKILL');
      return exited;
    }
    stopping ??= (async () => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      proc.kill(signal);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
        stopping = null;
      }
    })();
    return stopping;
  }

  const managed: Managed = { name, proc, pid: proc.pid, output: () => output, waitForOutput, running, exited, stop };
  live.add(managed);
  return managed;
}

// The last resort, for runners without an afterAll of ours (Playwright): whatever still runs when
// the test process exits gets SIGKILL (an exit handler cannot wait for a graceful stop).
process.once('exit', () => {
  for (const m of live) {
    try {
      m.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

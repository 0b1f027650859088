/** Starts a built Node entry point and waits for its "listening" line; stops it by its own PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Started {
  child: ChildProcess;
  stop(): Promise<void>;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): number;
}

export function startProcess(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${args[0]} exited with ${code} before listening`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk) => {
      if (!/listening|demo on/.test(String(chunk))) return;
      child.off('exit', onExit);
      resolve({
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
        peakRss: () => {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
          return kb * 1024;
        },
      });
    });
  });
}

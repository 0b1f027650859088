/** Starts a built Node entry point and waits for its "listening" line; stops it by its own PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Started {
  child: ChildProcess;
  stop(): Promise<void>;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): number;
  /** CPU time used so far (user + system), in seconds. */
  cpuSeconds(): number;
}

/** Linux reports CPU time in clock ticks; 100 per second on every kernel these machines run. */
const CLOCK_TICKS = 100;

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
        cpuSeconds: () => {
          // Fields 14 and 15 of /proc/PID/stat, counted after the command name's closing paren.
          const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
        },
        peakRss: () => {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
          return kb * 1024;
        },
      });
    });
  });
}

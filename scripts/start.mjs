#!/usr/bin/env node
/**
 * `npm start`: the collector with its embedded store (data/homing.sqlite) and the demo, each on its
 * own port, so the demo's requests to the collector are real cross-origin requests. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';

const collectorPort = process.env.HOMING_PORT ?? '8787';
const demoPort = process.env.DEMO_PORT ?? '8080';
const host = '127.0.0.1';
const demoOrigin = `http://${host}:${demoPort}`;
const collectorUrl = `http://${host}:${collectorPort}`;

const children = [
  spawn(process.execPath, ['dist/collector/cli.js', '--port', collectorPort, '--host', host, '--db', 'data/homing.sqlite', '--origins', demoOrigin], { stdio: 'inherit' }),
  spawn(process.execPath, ['dist/demo/cli.js', '--port', demoPort, '--host', host, '--collector', collectorUrl], { stdio: 'inherit' }),
];

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
for (const child of children) {
  child.once('exit', (code) => {
    if (!stopping) {
      console.error(`a child process exited (${code}); stopping`);
      stop(code ?? 1);
    }
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
console.log(`\n  demo:      ${demoOrigin}/\n  collector: ${collectorUrl}/healthz\n  Ctrl-C stops both.\n`);

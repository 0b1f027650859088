#!/usr/bin/env node
/**
 * `npm start` (after the build): the collector with its embedded store (data/homing.sqlite) and the
 * demo shop, each on its own port, so the shop's requests to the collector are real cross-origin
 * requests. Prints the shop's, the collector's and the dashboard's URLs. Ctrl-C stops both.
 *
 * The collector runs with `--demo-controls` (the shop's outage switch; never in production) and a
 * read key for its dashboard, generated on the first start and kept in data/dashboard-read-key so
 * the dashboard link stays the same across restarts. Keys travel in the environment, not in
 * flags, so they do not show in the process list.
 *
 * Stopping: the children run in their own process group, so a Ctrl-C (which the terminal sends to
 * its whole foreground group) reaches only this script, which then sends each child one SIGTERM:
 * a second signal would make the collector skip its graceful shutdown.
 *
 * Ports: HOMING_PORT (collector, default 8787) and DEMO_PORT (shop, default 8080). Data: HOMING_DATA
 * (default data/).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const collectorPort = process.env.HOMING_PORT ?? '8787';
const demoPort = process.env.DEMO_PORT ?? '8080';
const dataDir = process.env.HOMING_DATA ?? 'data';
const host = '127.0.0.1';
const demoOrigin = `http://${host}:${demoPort}`;
const collectorUrl = `http://${host}:${collectorPort}`;

for (const file of ['dist/collector/cli.js', 'dist/demo/cli.js', 'dist/demo/shop/sw.js']) {
  if (!existsSync(file)) {
    console.error(`${file} is missing: build first (npm start does: node build.mjs && node scripts/start.mjs)`);
    process.exit(1);
  }
}

mkdirSync(dataDir, { recursive: true });
const readKey = dashboardKey(join(dataDir, 'dashboard-read-key'));

/** The dashboard's read key: made once (32 URL-safe characters), then read back on every start. */
function dashboardKey(file) {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}

const children = [
  start('collector', ['dist/collector/cli.js', '--port', collectorPort, '--host', host, '--db', join(dataDir, 'homing.sqlite'), '--origins', demoOrigin, '--demo-controls'], {
    HOMING_READ_KEYS: readKey,
  }, 'homing-collector listening on '),
  start('demo', ['dist/demo/cli.js', '--port', demoPort, '--host', host, '--collector', collectorUrl], { HOMING_DASHBOARD_KEY: readKey }, 'homing demo on '),
];

/** Starts a child in its own process group; `ready` resolves when it prints `readyText`. */
function start(name, args, env, readyText) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true, env: { ...process.env, ...env } });
  let seen = '';
  const ready = new Promise((resolve) => {
    const onData = (chunk) => {
      seen += chunk.toString();
      if (seen.includes(readyText)) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
  });
  child.stdout.pipe(process.stdout);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping`);
      stop(code || 1);
    }
  });
  return { name, child, ready };
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const running = children.map((c) => c.child).filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill('SIGTERM');
  Promise.all(running.map((c) => new Promise((resolve) => c.once('exit', resolve)))).then(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));
// If this script dies of an error, its children (in their own group) must not outlive it.
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

await Promise.all(children.map((c) => c.ready));
if (!stopping) {
  console.log(`
  Homing demo
    shop:       ${demoOrigin}/shop/
    collector:  ${collectorUrl}   (events in ${join(dataDir, 'homing.sqlite')}; --demo-controls: never in production)
    dashboard:  ${collectorUrl}/dashboard#key=${readKey}
  Ctrl-C stops both.
`);
}

/**
 * `homing-collector`: the collector as a process. Bundled to dist/collector/cli.js, where the build
 * adds the `#!/usr/bin/env node` line.
 *
 * Exit codes: 0 after a clean shutdown, 1 when it cannot start or stop cleanly, 2 for bad usage.
 */
import type { AddressInfo } from 'node:net';
import { parseCliOptions, USAGE } from './cli-options.js';
import { createCollector } from './server.js';
import { createSqliteStore } from './store/sqlite.js';

/** A stuck connection or a hung close must not keep a stopped collector alive forever. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  const parsed = parseCliOptions(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`homing-collector: ${parsed.message}\nRun homing-collector --help for the options.\n`);
    process.exitCode = 2;
    return;
  }
  const { port, host, db, origins } = parsed.options;

  const store = createSqliteStore(db);
  let app;
  try {
    app = createCollector({ store, origins, logger: { level: 'warn' } });
    await app.listen({ port, host });
  } catch (err) {
    await app?.close();
    store.close();
    throw err;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`homing-collector: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    setTimeout(() => {
      process.stderr.write('homing-collector: shutdown timed out\n');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    const closing = app.close();
    // Idle keep-alive sockets would hold close() open. A request cut here was either committed
    // (its resend will be answered "duplicate") or not: the client resends either way.
    app.server.closeAllConnections();
    closing
      .then(() => store.close())
      .catch((err: unknown) => {
        process.stderr.write(`homing-collector: error while stopping: ${String(err)}\n`);
        process.exitCode = 1;
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const bound = app.server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`homing-collector listening on http://${shownHost}:${bound.port} (db: ${db})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`homing-collector: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

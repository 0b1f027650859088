/**
 * `homing-collector`: the collector as a process. Bundled to dist/collector/cli.js, where the build
 * adds the `#!/usr/bin/env node` line.
 *
 * Signals: SIGTERM or SIGINT stops it gracefully (below); a second one exits at once. SIGHUP
 * re-reads the keys file and, with TLS, the certificate and key.
 *
 * Graceful stop: the listening socket closes (new connections are refused), idle keep-alive
 * connections close, a request arriving on a busy keep-alive connection gets 503 (resend), and
 * every request already being handled runs to the end: its events are committed, then answered.
 * Then the store worker commits what it holds and closes the database. Nothing is acknowledged that
 * was not committed; what was committed but not acknowledged (cut by the timeout) is answered
 * "duplicate" when the client resends.
 *
 * Exit codes: 0 after a clean shutdown, 1 when it cannot start or stop cleanly, 2 for bad usage.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { COLLECTOR_DEFAULTS } from '../shared/config.js';
import type { StandaloneValidateFn } from '../shared/schemas/event-checks.js';
import { parseCliOptions, USAGE } from './cli-options.js';
import { createKeyRing, type KeySpec } from './keys.js';
import { readKeysFile, watchKeysFile, type KeysFileWatch } from './keys-file.js';
import { createCollector } from './server.js';
import { loadSiteSchemas } from './site-schemas.js';
import { runAudit } from './audit/audit.js';
import type { ReportSource } from './reports/source.js';
import { redactDbUrl } from './store/clickhouse-url.js';
import { openReportSource, openStore } from './store/open-store.js';
import type { EventStore } from './store/store.js';

async function main(): Promise<void> {
  // `homing-collector audit …`: the data-quality audit of a database (audit/audit.ts), no server.
  if (process.argv[2] === 'audit') {
    process.exitCode = await runAudit(process.argv.slice(3), { stdout: process.stdout, stderr: process.stderr });
    return;
  }
  const parsed = parseCliOptions(process.argv.slice(2), process.env);
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed.kind === 'error') return usageError(parsed.message);
  const o = parsed.options;

  let fileKeys: KeySpec[] = [];
  let tls: { cert: Buffer; key: Buffer } | undefined;
  let siteSchemas: Map<string, StandaloneValidateFn> | undefined;
  try {
    if (o.keysFile !== null) fileKeys = readKeysFile(o.keysFile);
    if (o.tls) tls = { cert: readFileSync(o.tls.cert), key: readFileSync(o.tls.key) };
    if (o.schemas.length > 0) siteSchemas = await loadSiteSchemas(o.schemas);
  } catch (err) {
    return usageError((err as Error).message);
  }
  const keys = createKeyRing([...o.keys, ...fileKeys]);

  // SQLite on its own thread (store/worker-store.ts says why), or ClickHouse for a clickhouse:// URL.
  const store: EventStore = await openStore(o.db, {
    maxQueuedEvents: COLLECTOR_DEFAULTS.maxQueuedEvents,
    clickhouseBatchRows: o.clickhouseBatchRows,
    clickhouseBatchMs: o.clickhouseBatchMs,
    env: process.env,
  });
  // Reports read through their own connection (SQLite: on their own thread, store/reports-worker.ts).
  let reports: ReportSource | undefined;
  try {
    reports = await openReportSource(o.db, process.env);
  } catch (err) {
    await store.close();
    throw err;
  }
  let app: FastifyInstance | undefined;
  try {
    app = createCollector({
      store,
      origins: o.origins,
      keys,
      keepIp: o.keepIp,
      trustedProxies: o.trustedProxies,
      rateLimit: { perIp: o.rateLimitPerIp, perKey: o.rateLimitPerKey },
      tls,
      headersTimeoutMs: o.headersTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      demoControls: o.demoControls,
      conventions: o.conventions,
      siteSchemas,
      reports,
      logger: { level: o.logLevel },
    });
    await app.listen({ port: o.port, host: o.host });
  } catch (err) {
    await app?.close();
    await reports?.close();
    await store.close();
    throw err;
  }
  const server = app;

  const watcher: KeysFileWatch | null =
    o.keysFile === null ? null : watchKeysFile({ path: o.keysFile, ring: keys, fixed: o.keys, log: server.log, pollMs: COLLECTOR_DEFAULTS.keysPollMs });

  process.on('SIGHUP', () => {
    watcher?.reload('SIGHUP');
    if (o.tls) {
      try {
        (server.server as unknown as TlsServer).setSecureContext({ cert: readFileSync(o.tls.cert), key: readFileSync(o.tls.key) });
        server.log.info('TLS certificate reloaded');
      } catch (err) {
        server.log.error({ reason: (err as Error).message }, 'TLS certificate not reloaded; the previous one stays in use');
      }
    }
  });

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
    }, COLLECTOR_DEFAULTS.shutdownTimeoutMs).unref();
    watcher?.close();
    server
      .close()
      .then(() => reports?.close())
      .then(() => store.close())
      .catch((err: unknown) => {
        process.stderr.write(`homing-collector: error while stopping: ${String(err)}\n`);
        process.exitCode = 1;
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const bound = server.server.address() as AddressInfo;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  process.stdout.write(`homing-collector listening on ${tls ? 'https' : 'http'}://${shownHost}:${bound.port} (db: ${redactDbUrl(o.db)})\n`);
  // Loud, because the switch needs no key: anyone who reaches the collector can stop its ingest.
  if (o.demoControls) process.stderr.write('homing-collector: --demo-controls is on (POST /demo/outage): for demos only, never in production\n');
}

function usageError(message: string): void {
  process.stderr.write(`homing-collector: ${message}\nRun homing-collector --help for the options.\n`);
  process.exitCode = 2;
}

main().catch((err: unknown) => {
  process.stderr.write(`homing-collector: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

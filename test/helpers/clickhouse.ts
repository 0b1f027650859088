/**
 * A private ClickHouse server for tests and benches: the installed binary (Debian's
 * `clickhouse-server` 18.16 on these machines, or a current single `clickhouse` binary) with its own
 * config, users and data under a temp dir, on free loopback ports, started without any service
 * manager through test/helpers/process.ts (ready when /ping answers; stopped by its own PID, SIGKILL
 * after 30 s; stopped after the test file at the latest).
 *
 * The config is written here rather than sed-edited from /etc/clickhouse-server: it names only what
 * a test needs (ports, paths, loopback, two users), so it does not depend on the packaged file.
 * `<yandex>` is the root element 18.16 requires; current releases still accept it.
 *
 * There is no skip: when no binary is found, `startClickHouse` throws with what to install.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startProcess, type Managed } from './process.js';

/** ClickHouse took ~12 s to stop right after a million-row run (docs/store-facts.md "ClickHouse"). */
const STOP_TIMEOUT_MS = 30_000;

/** A second user with a password, so the store's credential handling is tested for real. */
export const CLICKHOUSE_TEST_USER = { user: 'homing', password: 'test-secret' } as const;

export interface ClickHouseServer {
  /** `http://127.0.0.1:<port>` */
  httpUrl: string;
  port: number;
  /** `clickhouse://127.0.0.1:<port>/<database>` for the collector's `--db` (user `default`, no password). */
  dbUrl(database: string): string;
  pid: number;
  /** SIGTERM to this server only, waits for it to exit (SIGKILL after 30 s), removes its directory. */
  stop(): Promise<void>;
  /** Server output and its log, for failure messages. */
  output(): string;
}

/** The server binary: `$CLICKHOUSE_SERVER`, Debian's clickhouse-server, or a single `clickhouse` binary. */
export function resolveClickHouse(): { command: string; args: string[] } {
  const explicit = process.env.CLICKHOUSE_SERVER;
  if (explicit) return { command: explicit, args: [] };
  for (const path of ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server']) {
    if (existsSync(path)) return { command: path, args: [] };
  }
  for (const path of ['/usr/bin/clickhouse', '/usr/local/bin/clickhouse']) {
    if (existsSync(path)) return { command: path, args: ['server'] };
  }
  throw new Error(
    'ClickHouse is not installed: apt-get install -y clickhouse-server (Debian), or set CLICKHOUSE_SERVER to the server binary',
  );
}

export async function startClickHouse(): Promise<ClickHouseServer> {
  const binary = resolveClickHouse();
  const dir = mkdtempSync(join(tmpdir(), 'homing-clickhouse-'));
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(dir, sub));
  const [port, tcpPort, interserverPort] = await distinctFreePorts(3);
  writeFileSync(join(dir, 'config.xml'), configXml(dir, port, tcpPort, interserverPort));
  writeFileSync(join(dir, 'users.xml'), USERS_XML);

  const httpUrl = `http://127.0.0.1:${port}`;
  const logs = (output: string) => {
    let text = output;
    for (const name of ['server.log', 'server.err.log']) {
      try {
        text += `\n--- ${name} ---\n` + readFileSync(join(dir, 'log', name), 'utf8').slice(-4000);
      } catch {
        // not written yet
      }
    }
    return text;
  };
  let child: Managed;
  try {
    child = await startProcess({
      name: 'clickhouse',
      command: binary.command,
      args: [...binary.args, `--config-file=${join(dir, 'config.xml')}`],
      cwd: dir,
      env: process.env,
      probe: async () => (await fetch(`${httpUrl}/ping`)).status === 200,
      graceMs: STOP_TIMEOUT_MS,
    });
  } catch (err) {
    const text = logs('');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}${text}`, { cause: err });
  }
  // However it ends (stop(), or the registry's stop after a timed-out test), its directory goes.
  void child.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  return {
    httpUrl,
    port,
    dbUrl: (database) => `clickhouse://127.0.0.1:${port}/${database}`,
    pid: child.pid!,
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => logs(child.output()),
  };
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

function configXml(dir: string, port: number, tcpPort: number, interserverPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/log/server.log</log>
    <errorlog>${dir}/log/server.err.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${port}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <interserver_http_port>${interserverPort}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>4096</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <${CLICKHOUSE_TEST_USER.user}>
      <password>${CLICKHOUSE_TEST_USER.password}</password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </${CLICKHOUSE_TEST_USER.user}>
  </users>
  <quotas>
    <default>
      <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
    </default>
  </quotas>
</yandex>
`;

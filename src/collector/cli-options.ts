/**
 * Command-line and environment settings of `homing-collector`, as a pure function so the rules
 * (flags win over env vars, defaults from shared/config.ts, strict checking) are testable without
 * starting a process.
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import type { LogLevel } from 'fastify';
import { COLLECTOR_DEFAULTS } from '../shared/config.js';
import type { AllowedOrigins } from './cors.js';
import { CONVENTION_POLICIES, type ConventionPolicy } from './event-policy.js';
import { checkKey, type KeyKind, type KeySpec } from './keys.js';
import { isClickHouseUrl, parseClickHouseUrl } from './store/clickhouse-url.js';
import { LOG_LEVELS } from './log.js';

export interface CliOptions {
  port: number;
  host: string;
  db: string;
  origins: AllowedOrigins;
  /** Keys given by flag or environment (not by the keys file), each checked. */
  keys: KeySpec[];
  keysFile: string | null;
  keepIp: boolean;
  trustedProxies: string[];
  rateLimitPerIp: number;
  rateLimitPerKey: number;
  tls: { cert: string; key: string } | null;
  logLevel: LogLevel;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** ClickHouse group commit (only with a clickhouse:// `db`): rows per INSERT, longest wait in ms. */
  clickhouseBatchRows: number;
  clickhouseBatchMs: number;
  /** Demo only: the outage switch (routes/demo-controls.ts). */
  demoControls: boolean;
  /** The convention policy for libraries other than Homing's (event-policy.ts). */
  conventions: ConventionPolicy;
  /** A site's event schema files and directories, enforced at ingest. */
  schemas: string[];
}

export type CliParse =
  | { kind: 'run'; options: CliOptions }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

const D = COLLECTOR_DEFAULTS;

export const USAGE = `Usage: homing-collector [options]

Receives Homing (Segment-shaped) events and stores each messageId once: POST /v1/batch and
Segment's other paths (/v1/track, /v1/t, /v1/b, /b, /beacon/v1/batch, ...: docs/compatibility.md)
from SDKs, GET /p.gif (pixel), POST /v1/s2s (servers, secret key),
DELETE /v1/users/:id (erasure, admin key), GET /v1/stats (admin key), GET /healthz,
GET /v1/reports/* (read key).
       homing-collector audit --db <path> --from <time> --to <time> [...]
checks a range's data quality and exits 1 past a threshold (homing-collector audit --help).

Options (each also read from an environment variable; a flag wins):
  --port <n>              TCP port; 0 picks a free one         HOMING_PORT      (default ${D.port})
  --host <addr>           interface to listen on               HOMING_HOST      (default ${D.host})
  --db <path|url>         SQLite file, created if missing,     HOMING_DB        (default ${D.db})
                          or clickhouse://[user:pass@]host:8123/database
                          (clickhouses:// or ?secure=1 for HTTPS; user and
                          password also HOMING_CLICKHOUSE_USER, _PASSWORD)
  --ch-batch-rows <n>     ClickHouse: events per INSERT        HOMING_CH_BATCH_ROWS (default ${D.clickhouseBatchRows})
  --ch-batch-ms <ms>      ClickHouse: longest a request waits  HOMING_CH_BATCH_MS   (default ${D.clickhouseBatchMs})
                          for its INSERT
  --origins <list>        comma-separated exact origins        HOMING_ORIGINS   (default *)
                          allowed to send from browsers,
                          e.g. https://shop.example,http://localhost:5173
  --write-keys <list>     write keys; once any is set, the     HOMING_WRITE_KEYS
                          SDK endpoints and the pixel need one
  --keys-file <path>      keys, one per line: <kind> <key>     HOMING_KEYS_FILE
                          [policy=…] [label], kind
                          write|s2s|admin|read;
                          re-read on change and on SIGHUP
  --admin-key <key>       admin key (erasure, stats)           HOMING_ADMIN_KEY
  --read-keys <list>      read keys: reports, dashboard, live  HOMING_READ_KEYS
                          view (the admin key reads too)
                          server-to-server keys (comma list):  HOMING_S2S_KEYS  (env or keys file only)
  --conventions <policy>  events from libraries other than    HOMING_CONVENTIONS (default ${D.conventions})
                          Homing's that break its naming rules
                          or a site schema: reject, flag
                          (store and count) or off; a key's
                          policy= in the keys file wins
  --schemas <list>        a site's event schema files or      HOMING_SCHEMAS
                          directories (homing-schemas' input),
                          checked at ingest too
  --keep-ip               store full client IPs (default:      HOMING_KEEP_IP=1
                          last IPv4 octet / last 80 IPv6 bits zeroed)
  --trusted-proxies <l>   proxies whose X-Forwarded-For is     HOMING_TRUSTED_PROXIES
                          believed: IPs, CIDRs, loopback
  --rate-limit-ip <n>     requests/s per client IP, 0 = off    HOMING_RATE_LIMIT_IP   (default ${D.rateLimitPerIp})
  --rate-limit-key <n>    requests/s per key, 0 = off          HOMING_RATE_LIMIT_KEY  (default ${D.rateLimitPerKey})
  --tls-cert <path>       PEM certificate: serve HTTPS         HOMING_TLS_CERT
  --tls-key <path>        PEM private key (with --tls-cert)    HOMING_TLS_KEY
  --headers-timeout <ms>  close clients slower than this to    HOMING_HEADERS_TIMEOUT (default ${D.headersTimeoutMs})
                          send their headers (slow-loris)
  --request-timeout <ms>  ... or their whole request           HOMING_REQUEST_TIMEOUT (default ${D.requestTimeoutMs})
  --log-level <level>     pino level: ${LOG_LEVELS.slice(0, 4).join(', ')},      HOMING_LOG_LEVEL (default ${D.logLevel})
                          ${LOG_LEVELS.slice(4).join(', ')} (debug: one line per request)
  --demo-controls         DEMO ONLY, never in production: adds HOMING_DEMO_CONTROLS=1
                          POST /demo/outage {"down":true|false}, which makes
                          every ingest route answer 503 (no key needed)
  -h, --help              show this help

Secrets in flags show in the process list: prefer the environment or the keys file.
`;

type Env = Readonly<Record<string, string | undefined>>;

export function parseCliOptions(argv: readonly string[], env: Env): CliParse {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        origins: { type: 'string' },
        'write-keys': { type: 'string' },
        'keys-file': { type: 'string' },
        'admin-key': { type: 'string' },
        'read-keys': { type: 'string' },
        'keep-ip': { type: 'boolean' },
        'trusted-proxies': { type: 'string' },
        'rate-limit-ip': { type: 'string' },
        'rate-limit-key': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'headers-timeout': { type: 'string' },
        'request-timeout': { type: 'string' },
        'log-level': { type: 'string' },
        'ch-batch-rows': { type: 'string' },
        'ch-batch-ms': { type: 'string' },
        'demo-controls': { type: 'boolean' },
        conventions: { type: 'string' },
        schemas: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // parseArgs' messages already name the offending flag ("Unknown option '--prot'").
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  try {
    return { kind: 'run', options: readOptions(values, env) };
  } catch (err) {
    if (err instanceof UsageError) return { kind: 'error', message: err.message };
    throw err;
  }
}

class UsageError extends Error {}

function readOptions(values: Record<string, string | boolean | undefined>, env: Env): CliOptions {
  const text = (flag: string, name: string): string | undefined => (values[flag] as string | undefined) ?? env[name];

  const portText = text('port', 'HOMING_PORT') ?? String(D.port);
  const port = Number(portText);
  if (!/^\d+$/.test(portText.trim()) || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`invalid port "${portText}": expected an integer from 0 to 65535`);
  }

  const host = text('host', 'HOMING_HOST') ?? D.host;
  if (host.trim() === '') throw new UsageError('host must not be empty');
  const db = text('db', 'HOMING_DB') ?? D.db;
  if (db.trim() === '') throw new UsageError('db path must not be empty');
  if (isClickHouseUrl(db)) {
    try {
      parseClickHouseUrl(db, env);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }

  const origins = parseOrigins(text('origins', 'HOMING_ORIGINS') ?? '*');

  const keys: KeySpec[] = [
    ...keyList('write', text('write-keys', 'HOMING_WRITE_KEYS'), values['write-keys'] !== undefined ? '--write-keys' : 'HOMING_WRITE_KEYS'),
    ...keyList('admin', text('admin-key', 'HOMING_ADMIN_KEY'), values['admin-key'] !== undefined ? '--admin-key' : 'HOMING_ADMIN_KEY'),
    ...keyList('s2s', env.HOMING_S2S_KEYS, 'HOMING_S2S_KEYS'),
    ...keyList('read', text('read-keys', 'HOMING_READ_KEYS'), values['read-keys'] !== undefined ? '--read-keys' : 'HOMING_READ_KEYS'),
  ];
  const keysFile = text('keys-file', 'HOMING_KEYS_FILE') ?? null;
  if (keysFile !== null && keysFile.trim() === '') throw new UsageError('keys file path must not be empty');

  const keepIp = values['keep-ip'] === true || /^(1|true|yes)$/i.test(env.HOMING_KEEP_IP ?? '');
  const trustedProxies = list(text('trusted-proxies', 'HOMING_TRUSTED_PROXIES') ?? '');
  for (const proxy of trustedProxies) {
    if (!isProxySpec(proxy)) {
      throw new UsageError(`invalid trusted proxy "${proxy}": expected an IP address, a CIDR range (10.0.0.0/8) or loopback, linklocal, uniquelocal`);
    }
  }

  const cert = text('tls-cert', 'HOMING_TLS_CERT');
  const key = text('tls-key', 'HOMING_TLS_KEY');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');

  const conventions = text('conventions', 'HOMING_CONVENTIONS') ?? D.conventions;
  if (!(CONVENTION_POLICIES as readonly string[]).includes(conventions)) {
    throw new UsageError(`invalid conventions policy "${conventions}": expected one of ${CONVENTION_POLICIES.join(', ')}`);
  }
  const schemas = list(text('schemas', 'HOMING_SCHEMAS') ?? '');

  const logLevel = text('log-level', 'HOMING_LOG_LEVEL') ?? D.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new UsageError(`invalid log level "${logLevel}": expected one of ${LOG_LEVELS.join(', ')}`);

  return {
    port,
    host,
    db,
    origins,
    keys,
    keysFile,
    keepIp,
    trustedProxies,
    rateLimitPerIp: count('rate limit per IP', text('rate-limit-ip', 'HOMING_RATE_LIMIT_IP'), D.rateLimitPerIp),
    rateLimitPerKey: count('rate limit per key', text('rate-limit-key', 'HOMING_RATE_LIMIT_KEY'), D.rateLimitPerKey),
    tls: cert !== undefined && key !== undefined ? { cert, key } : null,
    logLevel: logLevel as LogLevel,
    headersTimeoutMs: count('headers timeout', text('headers-timeout', 'HOMING_HEADERS_TIMEOUT'), D.headersTimeoutMs, 1),
    requestTimeoutMs: count('request timeout', text('request-timeout', 'HOMING_REQUEST_TIMEOUT'), D.requestTimeoutMs, 1),
    clickhouseBatchRows: count('ClickHouse batch rows', text('ch-batch-rows', 'HOMING_CH_BATCH_ROWS'), D.clickhouseBatchRows, 1),
    clickhouseBatchMs: count('ClickHouse batch ms', text('ch-batch-ms', 'HOMING_CH_BATCH_MS'), D.clickhouseBatchMs),
    demoControls: values['demo-controls'] === true || /^(1|true|yes)$/i.test(env.HOMING_DEMO_CONTROLS ?? ''),
    conventions: conventions as ConventionPolicy,
    schemas,
  };
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Keys from a flag or variable; the error names where they came from, never the key. */
function keyList(kind: KeyKind, text: string | undefined, source: string): KeySpec[] {
  if (text === undefined) return [];
  const keys = list(text);
  if (keys.length === 0) throw new UsageError(`${source} is empty`);
  return keys.map((key, i) => {
    const problem = checkKey(kind, key);
    if (problem) throw new UsageError(`${source}${keys.length > 1 ? ` (key ${i + 1})` : ''}: ${problem}`);
    return { kind, key, label: source };
  });
}

function count(what: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`invalid ${what} "${text}": expected an integer ${min > 0 ? `of at least ${min}` : 'of 0 or more'}`);
  }
  return n;
}

function isProxySpec(spec: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(spec)) return true;
  const [address, bits, extra] = spec.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/**
 * Origins are compared byte for byte with the browser's `Origin` header, so each must be exactly
 * what a browser sends: scheme, host and port, no path and no trailing slash. A typo here would
 * otherwise silently refuse every event of that site.
 */
function parseOrigins(text: string): AllowedOrigins {
  const origins = list(text);
  if (origins.length === 0) throw new UsageError('origins must list at least one origin, or be *');
  if (origins.includes('*')) return '*';
  for (const origin of origins) {
    let canonical: string;
    try {
      canonical = new URL(origin).origin;
    } catch {
      canonical = 'null';
    }
    if (canonical !== origin) {
      throw new UsageError(`invalid origin "${origin}": expected scheme://host[:port] with no path${canonical !== 'null' ? `, e.g. ${canonical}` : ''}`);
    }
  }
  return origins;
}

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

/**
 * One collector option, declared once: its flag (a `parseArgs` option), its environment variable,
 * its default (from COLLECTOR_DEFAULTS), its `--help` lines and its row in docs/collector.md's
 * options table (docs-tables.ts writes that table from these; a test fails when they differ).
 */
export interface OptionSpec {
  /** `--flag` without its dashes, also the `parseArgs` name; null: environment only (secrets). */
  readonly flag: string | null;
  /** The argument in `--help` (`<n>`); none for a boolean switch. */
  readonly arg?: string;
  readonly type: 'string' | 'boolean';
  readonly env: string;
  /** What applies when neither is given, as shown (COLLECTOR_DEFAULTS' value where there is one). */
  readonly default?: string | number;
  /** An integer option: what the error message calls it, and its least value. */
  readonly count?: { readonly what: string; readonly min: number };
  /** `--help` lines: the first sits beside the flag, the others below it. */
  readonly help: readonly string[];
  /** The option's description in docs/collector.md (Markdown). */
  readonly docs: string;
}

export const COLLECTOR_OPTIONS = {
  port: {
    flag: 'port', arg: '<n>', type: 'string', env: 'HOMING_PORT', default: D.port,
    help: ['TCP port; 0 picks a free one'],
    docs: '`0` picks a free port (printed on the "listening on" line)',
  },
  host: {
    flag: 'host', arg: '<addr>', type: 'string', env: 'HOMING_HOST', default: D.host,
    help: ['interface to listen on'],
    docs: 'the interface to listen on (`0.0.0.0`: all)',
  },
  db: {
    flag: 'db', arg: '<path|url>', type: 'string', env: 'HOMING_DB', default: D.db,
    help: [
      'SQLite file, created if missing,',
      'or clickhouse://[user:pass@]host:8123/database',
      '(clickhouses:// or ?secure=1 for HTTPS; user and',
      'password also HOMING_CLICKHOUSE_USER, _PASSWORD)',
    ],
    docs: 'SQLite file, created if missing; `clickhouse://host:8123/db` selects ClickHouse ([scale-out](clickhouse.md))',
  },
  'ch-batch-rows': {
    flag: 'ch-batch-rows', arg: '<n>', type: 'string', env: 'HOMING_CH_BATCH_ROWS', default: D.clickhouseBatchRows,
    count: { what: 'ClickHouse batch rows', min: 1 },
    help: ['ClickHouse: events per INSERT'],
    docs: 'ClickHouse group commit: events per INSERT',
  },
  'ch-batch-ms': {
    flag: 'ch-batch-ms', arg: '<ms>', type: 'string', env: 'HOMING_CH_BATCH_MS', default: D.clickhouseBatchMs,
    count: { what: 'ClickHouse batch ms', min: 0 },
    help: ['ClickHouse: longest a request waits', 'for its INSERT'],
    docs: 'ClickHouse group commit: longest a request waits for its INSERT',
  },
  origins: {
    flag: 'origins', arg: '<list>', type: 'string', env: 'HOMING_ORIGINS', default: '*',
    help: ['comma-separated exact origins', 'allowed to send from browsers,', 'e.g. https://shop.example,http://localhost:5173'],
    docs: 'exact origins whose pages may **send events** (the event routes and the pixel, and the demo\'s outage switch); the collector\'s own dashboard, its report API and live view, `/healthz` and the admin routes are not governed by it (keys protect them)',
  },
  'write-keys': {
    flag: 'write-keys', arg: '<list>', type: 'string', env: 'HOMING_WRITE_KEYS',
    help: ['write keys; once any is set, the', 'SDK endpoints and the pixel need one'],
    docs: 'once one is set, the SDK endpoints and the pixel require one',
  },
  'keys-file': {
    flag: 'keys-file', arg: '<path>', type: 'string', env: 'HOMING_KEYS_FILE',
    help: ['keys, one per line: <kind> <key>', '[policy=…] [label], kind', 'write|s2s|admin|read;', 're-read on change and on SIGHUP'],
    docs: 'write, s2s, admin and read keys; re-read on change and on SIGHUP',
  },
  'admin-key': {
    flag: 'admin-key', arg: '<key>', type: 'string', env: 'HOMING_ADMIN_KEY',
    help: ['admin key (erasure, stats)'],
    docs: 'erasure and stats (reads reports too)',
  },
  'read-keys': {
    flag: 'read-keys', arg: '<list>', type: 'string', env: 'HOMING_READ_KEYS',
    help: ['read keys: reports, dashboard, live', 'view (the admin key reads too)'],
    docs: 'reports, live view, dashboard; without one (or an admin key) they answer 401',
  },
  's2s-keys': {
    flag: null, type: 'string', env: 'HOMING_S2S_KEYS',
    help: ['server-to-server keys (comma list):', '(env or keys file only)'],
    docs: 'server-to-server keys, a comma list (or the keys file; no flag: a flag shows in `ps`)',
  },
  conventions: {
    flag: 'conventions', arg: '<policy>', type: 'string', env: 'HOMING_CONVENTIONS', default: D.conventions,
    help: [
      'events from libraries other than',
      'Homing\'s that break its naming rules',
      'or a site schema: reject, flag',
      '(store and count) or off; a key\'s',
      'policy= in the keys file wins',
    ],
    docs: 'what an event from a library other than Homing\'s that breaks a convention costs: `reject`, `flag` or `off` ([endpoints](endpoints.md#other-clients-segments-spec-and-conventions))',
  },
  schemas: {
    flag: 'schemas', arg: '<list>', type: 'string', env: 'HOMING_SCHEMAS',
    help: ['a site\'s event schema files or', 'directories (homing-schemas\' input),', 'checked at ingest too'],
    docs: 'a site\'s event schema files or directories, checked at ingest ([schemas](schemas.md))',
  },
  'keep-ip': {
    flag: 'keep-ip', type: 'boolean', env: 'HOMING_KEEP_IP', default: 'off',
    help: ['store full client IPs (default:', 'last IPv4 octet / last 80 IPv6 bits zeroed)'],
    docs: 'store full client IPs (else the last IPv4 octet and the last 80 IPv6 bits are zeroed)',
  },
  'trusted-proxies': {
    flag: 'trusted-proxies', arg: '<l>', type: 'string', env: 'HOMING_TRUSTED_PROXIES',
    help: ['proxies whose X-Forwarded-For is', 'believed: IPs, CIDRs, loopback'],
    docs: 'IPs, CIDRs or `loopback`, `linklocal`, `uniquelocal` whose `X-Forwarded-For` is believed',
  },
  'rate-limit-ip': {
    flag: 'rate-limit-ip', arg: '<n>', type: 'string', env: 'HOMING_RATE_LIMIT_IP', default: D.rateLimitPerIp,
    count: { what: 'rate limit per IP', min: 0 },
    help: ['requests/s per client IP, 0 = off'],
    docs: `requests per second per client IP (per /64 for IPv6; bursts of ${D.rateLimitBurstSeconds}×); \`0\` turns it off`,
  },
  'rate-limit-key': {
    flag: 'rate-limit-key', arg: '<n>', type: 'string', env: 'HOMING_RATE_LIMIT_KEY', default: D.rateLimitPerKey,
    count: { what: 'rate limit per key', min: 0 },
    help: ['requests/s per key, 0 = off'],
    docs: `requests per second per key (bursts of ${D.rateLimitBurstSeconds}×); \`0\` turns it off`,
  },
  'tls-cert': {
    flag: 'tls-cert', arg: '<path>', type: 'string', env: 'HOMING_TLS_CERT',
    help: ['PEM certificate: serve HTTPS'],
    docs: 'PEM certificate: serve HTTPS (with `--tls-key`)',
  },
  'tls-key': {
    flag: 'tls-key', arg: '<path>', type: 'string', env: 'HOMING_TLS_KEY',
    help: ['PEM private key (with --tls-cert)'],
    docs: 'PEM private key (with `--tls-cert`)',
  },
  'headers-timeout': {
    flag: 'headers-timeout', arg: '<ms>', type: 'string', env: 'HOMING_HEADERS_TIMEOUT', default: D.headersTimeoutMs,
    count: { what: 'headers timeout', min: 1 },
    help: ['close clients slower than this to', 'send their headers (slow-loris)'],
    docs: 'clients slower than this to send their headers are cut (408)',
  },
  'request-timeout': {
    flag: 'request-timeout', arg: '<ms>', type: 'string', env: 'HOMING_REQUEST_TIMEOUT', default: D.requestTimeoutMs,
    count: { what: 'request timeout', min: 1 },
    help: ['... or their whole request'],
    docs: '... or their whole request',
  },
  'log-level': {
    flag: 'log-level', arg: '<level>', type: 'string', env: 'HOMING_LOG_LEVEL', default: D.logLevel,
    help: [`pino level: ${LOG_LEVELS.slice(0, 4).join(', ')},`, `${LOG_LEVELS.slice(4).join(', ')} (debug: one line per request)`],
    docs: `pino levels (${LOG_LEVELS.map((l) => `\`${l}\``).join(', ')}); \`debug\` logs every request`,
  },
  'demo-controls': {
    flag: 'demo-controls', type: 'boolean', env: 'HOMING_DEMO_CONTROLS', default: 'off',
    help: ['DEMO ONLY, never in production: adds', 'POST /demo/outage {"down":true|false}, which makes', 'every ingest route answer 503 (no key needed)'],
    docs: 'the demo\'s outage switch, `POST /demo/outage`: **never in production**',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof COLLECTOR_OPTIONS;

/** How an option is written where a human reads it: `--port <n>`, or its variable when it has no flag. */
function flagText(spec: OptionSpec): string {
  if (spec.flag === null) return '';
  return spec.arg ? `--${spec.flag} ${spec.arg}` : `--${spec.flag}`;
}

function envText(spec: OptionSpec): string {
  return spec.type === 'boolean' ? `${spec.env}=1` : spec.env;
}

/** The options part of `--help`, generated from COLLECTOR_OPTIONS. */
function optionsHelp(): string {
  const lines: string[] = [];
  for (const spec of Object.values(COLLECTOR_OPTIONS) as OptionSpec[]) {
    const env = envText(spec) + (spec.default !== undefined && spec.type !== 'boolean' ? ` (default ${spec.default})` : '');
    const [first, ...rest] = spec.help;
    lines.push(`  ${flagText(spec).padEnd(23)} ${first.padEnd(36)} ${env}`.trimEnd());
    for (const line of rest) lines.push(`  ${''.padEnd(23)} ${line}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(23)} show this help`);
  return lines.join('\n');
}

export const USAGE = `Usage: homing-collector [options]

Receives Homing (Segment-shaped) events and stores each messageId once: POST /v1/batch and
Segment's other paths (/v1/track, /v1/t, /v1/b, /b, /beacon/v1/batch, ...: docs/compatibility.md)
from SDKs, GET /p.gif (pixel), POST /v1/s2s (servers, secret key),
DELETE /v1/users/:id (erasure, admin key), GET /v1/stats (admin key), GET /healthz,
GET /v1/reports/* (read key).
       homing-collector audit --db <path> --from <time> --to <time> [...]
checks a range's data quality and exits 1 past a threshold (homing-collector audit --help).

Options (each also read from an environment variable; a flag wins):
${optionsHelp()}

Secrets in flags show in the process list: prefer the environment or the keys file.
`;

/** docs/collector.md's options table, generated from COLLECTOR_OPTIONS. */
export function optionsTableMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = (Object.values(COLLECTOR_OPTIONS) as OptionSpec[]).map((spec) => {
    const flag = spec.flag === null ? '' : `\`${cell(flagText(spec))}\``;
    const def = spec.default === undefined ? 'none' : spec.type === 'boolean' ? String(spec.default) : `\`${spec.default}\``;
    return `| ${flag} | \`${envText(spec)}\` | ${def} | ${cell(spec.docs)} |`;
  });
  return ['| flag | env | default | |', '|---|---|---|---|', ...rows].join('\n');
}

const PARSE_ARGS_OPTIONS = {
  ...Object.fromEntries(
    (Object.values(COLLECTOR_OPTIONS) as OptionSpec[]).flatMap((spec) => (spec.flag === null ? [] : [[spec.flag, { type: spec.type }]])),
  ),
  help: { type: 'boolean', short: 'h' },
} as Record<string, { type: 'string' | 'boolean'; short?: string }>;

type Env = Readonly<Record<string, string | undefined>>;

export function parseCliOptions(argv: readonly string[], env: Env): CliParse {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: PARSE_ARGS_OPTIONS, strict: true, allowPositionals: false }));
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
  const spec = (name: OptionName): OptionSpec => COLLECTOR_OPTIONS[name];
  /** The flag's value, else the variable's. */
  const text = (name: OptionName): string | undefined => {
    const { flag, env: variable } = spec(name);
    return (flag === null ? undefined : (values[flag] as string | undefined)) ?? env[variable];
  };
  /** Where a value came from, for messages that must not repeat it (keys). */
  const source = (name: OptionName): string => {
    const { flag, env: variable } = spec(name);
    return flag !== null && values[flag] !== undefined ? `--${flag}` : variable;
  };
  const on = (name: OptionName): boolean => {
    const { flag, env: variable } = spec(name);
    return (flag !== null && values[flag] === true) || /^(1|true|yes)$/i.test(env[variable] ?? '');
  };
  const withDefault = (name: OptionName): string => text(name) ?? String(spec(name).default);
  const integer = (name: OptionName): number => {
    const { count: rule, default: fallback } = spec(name);
    if (!rule || typeof fallback !== 'number') throw new Error(`${name} is not declared as a count`);
    return count(rule.what, text(name), fallback, rule.min);
  };

  const portText = withDefault('port');
  const port = Number(portText);
  if (!/^\d+$/.test(portText.trim()) || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`invalid port "${portText}": expected an integer from 0 to 65535`);
  }

  const host = withDefault('host');
  if (host.trim() === '') throw new UsageError('host must not be empty');
  const db = withDefault('db');
  if (db.trim() === '') throw new UsageError('db path must not be empty');
  if (isClickHouseUrl(db)) {
    try {
      parseClickHouseUrl(db, env);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }

  const origins = parseOrigins(withDefault('origins'));

  const keys: KeySpec[] = [
    ...keyList('write', text('write-keys'), source('write-keys')),
    ...keyList('admin', text('admin-key'), source('admin-key')),
    ...keyList('s2s', text('s2s-keys'), source('s2s-keys')),
    ...keyList('read', text('read-keys'), source('read-keys')),
  ];
  const keysFile = text('keys-file') ?? null;
  if (keysFile !== null && keysFile.trim() === '') throw new UsageError('keys file path must not be empty');

  const trustedProxies = list(text('trusted-proxies') ?? '');
  for (const proxy of trustedProxies) {
    if (!isProxySpec(proxy)) {
      throw new UsageError(`invalid trusted proxy "${proxy}": expected an IP address, a CIDR range (10.0.0.0/8) or loopback, linklocal, uniquelocal`);
    }
  }

  const cert = text('tls-cert');
  const key = text('tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');

  const conventions = withDefault('conventions');
  if (!(CONVENTION_POLICIES as readonly string[]).includes(conventions)) {
    throw new UsageError(`invalid conventions policy "${conventions}": expected one of ${CONVENTION_POLICIES.join(', ')}`);
  }
  const schemas = list(text('schemas') ?? '');

  const logLevel = withDefault('log-level');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new UsageError(`invalid log level "${logLevel}": expected one of ${LOG_LEVELS.join(', ')}`);

  return {
    port,
    host,
    db,
    origins,
    keys,
    keysFile,
    keepIp: on('keep-ip'),
    trustedProxies,
    rateLimitPerIp: integer('rate-limit-ip'),
    rateLimitPerKey: integer('rate-limit-key'),
    tls: cert !== undefined && key !== undefined ? { cert, key } : null,
    logLevel: logLevel as LogLevel,
    headersTimeoutMs: integer('headers-timeout'),
    requestTimeoutMs: integer('request-timeout'),
    clickhouseBatchRows: integer('ch-batch-rows'),
    clickhouseBatchMs: integer('ch-batch-ms'),
    demoControls: on('demo-controls'),
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

/**
 * `--db clickhouse://[user:password@]host[:port]/database[?secure=1]` as connection settings for
 * the ClickHouse store. A pure function, so the CLI can refuse a bad URL as a usage error (exit 2)
 * before anything starts.
 *
 * `clickhouses://` or `?secure=1` selects HTTPS (default port 8443, else 8123). Credentials in the
 * URL win over `HOMING_CLICKHOUSE_USER` / `HOMING_CLICKHOUSE_PASSWORD`, as every flag wins over its
 * variable; the variables keep the password out of the process list.
 */

export interface ClickHouseTarget {
  /** `http(s)://host:port` of the HTTP interface. */
  url: string;
  database: string;
  username: string;
  password: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Database names are inlined into DDL and queries (18.16 has no query parameters): keep them plain. */
const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function isClickHouseUrl(db: string): boolean {
  return /^clickhouses?:\/\//i.test(db.trim());
}

/** Throws an Error whose message says what is wrong (never the password). */
export function parseClickHouseUrl(text: string, env: Env = {}): ClickHouseTarget {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new Error(`invalid ClickHouse URL: expected clickhouse://[user:password@]host[:port]/database`);
  }
  const scheme = u.protocol.toLowerCase();
  if (scheme !== 'clickhouse:' && scheme !== 'clickhouses:') throw new Error(`invalid ClickHouse URL: the scheme must be clickhouse:// or clickhouses://`);
  if (u.hostname === '') throw new Error('invalid ClickHouse URL: no host');
  for (const key of u.searchParams.keys()) {
    if (key !== 'secure') throw new Error(`invalid ClickHouse URL: unknown parameter "${key}" (only secure=1 is understood)`);
  }
  const secureParam = u.searchParams.get('secure');
  if (secureParam !== null && !/^(0|1|true|false)$/.test(secureParam)) throw new Error(`invalid ClickHouse URL: secure must be 1 or 0`);
  const secure = scheme === 'clickhouses:' || secureParam === '1' || secureParam === 'true';

  const database = decodeURIComponent(u.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  if (database === '') throw new Error('invalid ClickHouse URL: no database (clickhouse://host:8123/<database>)');
  if (!DATABASE_NAME.test(database)) throw new Error(`invalid ClickHouse database name "${database}": letters, digits and _ only, not starting with a digit`);

  const port = u.port === '' ? (secure ? 8443 : 8123) : Number(u.port);
  const username = u.username !== '' ? decodeURIComponent(u.username) : env.HOMING_CLICKHOUSE_USER ?? 'default';
  const password = u.password !== '' ? decodeURIComponent(u.password) : env.HOMING_CLICKHOUSE_PASSWORD ?? '';
  // URL keeps IPv6 hosts in brackets, which is also what an http URL needs.
  return { url: `${secure ? 'https' : 'http'}://${u.hostname}:${port}`, database, username, password };
}

/** The `--db` value with any password replaced, for logs and the "listening" line. */
export function redactDbUrl(db: string): string {
  if (!isClickHouseUrl(db)) return db;
  return db.replace(/^(clickhouses?:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

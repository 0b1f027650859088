/**
 * Command-line and environment settings of `homing-collector`, as a pure function so the rules
 * (flags win over env vars, defaults from shared/config.ts, strict checking) are testable without
 * starting a process.
 */
import { parseArgs } from 'node:util';
import { COLLECTOR_DEFAULTS } from '../shared/config.js';
import type { AllowedOrigins } from './cors.js';

export interface CliOptions {
  port: number;
  host: string;
  db: string;
  origins: AllowedOrigins;
}

export type CliParse =
  | { kind: 'run'; options: CliOptions }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

export const USAGE = `Usage: homing-collector [options]

Receives Homing (Segment-shaped) events on POST /v1/batch and stores each messageId once.

Options (each also read from an environment variable; a flag wins):
  --port <n>         TCP port; 0 picks a free one       HOMING_PORT     (default ${COLLECTOR_DEFAULTS.port})
  --host <addr>      interface to listen on             HOMING_HOST     (default ${COLLECTOR_DEFAULTS.host})
  --db <path>        SQLite file, created if missing    HOMING_DB       (default ${COLLECTOR_DEFAULTS.db})
  --origins <list>   comma-separated exact origins      HOMING_ORIGINS  (default *)
                     allowed to send from browsers,
                     e.g. https://shop.example,http://localhost:5173
  -h, --help         show this help
`;

export function parseCliOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliParse {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        origins: { type: 'string' },
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

  const portText = values.port ?? env.HOMING_PORT ?? String(COLLECTOR_DEFAULTS.port);
  const port = Number(portText);
  if (!/^\d+$/.test(portText.trim()) || !Number.isInteger(port) || port > 65535) {
    return { kind: 'error', message: `invalid port "${portText}": expected an integer from 0 to 65535` };
  }

  const host = values.host ?? env.HOMING_HOST ?? COLLECTOR_DEFAULTS.host;
  if (host.trim() === '') return { kind: 'error', message: 'host must not be empty' };
  const db = values.db ?? env.HOMING_DB ?? COLLECTOR_DEFAULTS.db;
  if (db.trim() === '') return { kind: 'error', message: 'db path must not be empty' };

  const origins = parseOrigins(values.origins ?? env.HOMING_ORIGINS ?? '*');
  if (typeof origins === 'object' && 'error' in origins) return { kind: 'error', message: origins.error };

  return { kind: 'run', options: { port, host, db, origins } };
}

/**
 * Origins are compared byte for byte with the browser's `Origin` header, so each must be exactly
 * what a browser sends: scheme, host and port, no path and no trailing slash. A typo here would
 * otherwise silently refuse every event of that site.
 */
function parseOrigins(text: string): AllowedOrigins | { error: string } {
  const list = text.split(',').map((o) => o.trim()).filter((o) => o !== '');
  if (list.length === 0) return { error: 'origins must list at least one origin, or be *' };
  if (list.includes('*')) return '*';
  for (const origin of list) {
    let canonical: string;
    try {
      canonical = new URL(origin).origin;
    } catch {
      canonical = 'null';
    }
    if (canonical !== origin) {
      return { error: `invalid origin "${origin}": expected scheme://host[:port] with no path${canonical !== 'null' ? `, e.g. ${canonical}` : ''}` };
    }
  }
  return list;
}

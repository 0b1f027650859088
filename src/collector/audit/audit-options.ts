/**
 * Options of `homing-collector audit`, as a pure function (testable without a process). Times are
 * epoch ms, ISO 8601, `now`, or relative to now (`now-24h`, `now-7d`, `now-30m`, as Grafana writes
 * them), so a schedule can say "the last day" without computing dates.
 */
import { parseArgs } from 'node:util';
import { parseTime } from '../reports/query.js';

export interface AuditOptions {
  db: string;
  from: number;
  to: number;
  /** A check fails when its rate is above its maximum; null: reported, not checked. */
  maxMissingRate: number | null;
  maxDuplicateRate: number | null;
  maxRejectedRate: number | null;
  maxFlaggedRate: number | null;
  json: boolean;
}

export type AuditParse = { kind: 'run'; options: AuditOptions } | { kind: 'help' } | { kind: 'error'; message: string };

export const DEFAULT_MAX_MISSING_RATE = 0.01;

/** One audit option, declared once: its `parseArgs` type, its `--help` line, its default. */
interface AuditOptionSpec {
  readonly type: 'string' | 'boolean';
  /** `--help`'s left column; options shown together (`--from`, `--to`) give it on the first only. */
  readonly usage?: string;
  readonly help?: string;
}

export const AUDIT_OPTIONS = {
  db: { type: 'string', usage: '--db <path|url>', help: 'SQLite file or clickhouse:// URL     HOMING_DB' },
  from: { type: 'string', usage: '--from <time>, --to <time>', help: 'epoch ms, ISO 8601, now, or now-<n>m|h|d (e.g. now-24h)' },
  to: { type: 'string' },
  'max-missing-rate': { type: 'string', usage: '--max-missing-rate <r>', help: `fail above this share missing (default ${DEFAULT_MAX_MISSING_RATE})` },
  'max-duplicate-rate': { type: 'string', usage: '--max-duplicate-rate <r>', help: 'fail above this share of copies that were duplicates (off by default)' },
  'max-rejected-rate': { type: 'string', usage: '--max-rejected-rate <r>', help: 'fail above this share of copies rejected (off by default)' },
  'max-flagged-rate': { type: 'string', usage: '--max-flagged-rate <r>', help: 'fail above this share of stored events flagged (off by default)' },
  json: { type: 'boolean', usage: '--json', help: 'print the report and the checks as JSON' },
  help: { type: 'boolean', usage: '-h, --help', help: 'show this help' },
} as const satisfies Record<string, AuditOptionSpec>;

const AUDIT_PARSE_OPTIONS = Object.fromEntries(
  Object.entries(AUDIT_OPTIONS).map(([name, spec]) => [name, name === 'help' ? { type: spec.type, short: 'h' } : { type: spec.type }]),
) as Record<string, { type: 'string' | 'boolean'; short?: string }>;

const auditOptionsHelp = (Object.values(AUDIT_OPTIONS) as AuditOptionSpec[])
  .flatMap((spec) => (spec.usage === undefined ? [] : [`  ${spec.usage.padEnd(28)} ${spec.help ?? ''}`.trimEnd()]))
  .join('\n');

export const AUDIT_USAGE = `Usage: homing-collector audit --db <path> --from <time> --to <time> [options]

Checks the data quality of the events captured in [from, to): events missing (per-device sequence
gaps), duplicates received, events rejected, events stored but flagged (naming convention, site
schema); prints them with latency, clock skew and the loss manifests, and exits 1 when a rate is
above its maximum (0 otherwise, 2 on bad usage).

${auditOptionsHelp}

Duplicates, rejections and flagged events are counted when received (collector clock), loss and latency by
capture time. A progress bar shows on long scans when stderr is a terminal.
`;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseAuditTime(text: string, now: number): number | null {
  if (text === 'now') return now;
  const rel = /^now-(\d{1,6})([mhd])$/.exec(text);
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]];
  return parseTime(text);
}

export function parseAuditOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, now: number): AuditParse {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: AUDIT_PARSE_OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  const db = (values.db as string | undefined) ?? env.HOMING_DB;
  if (!db) return { kind: 'error', message: '--db is required (the collector\'s SQLite file or clickhouse:// URL)' };
  const times: Record<'from' | 'to', number> = { from: 0, to: 0 };
  for (const name of ['from', 'to'] as const) {
    const text = values[name] as string | undefined;
    if (text === undefined) return { kind: 'error', message: `--${name} is required (epoch ms, ISO 8601, now, or now-<n>m|h|d)` };
    const t = parseAuditTime(text, now);
    if (t === null) return { kind: 'error', message: `invalid --${name} "${text}": expected epoch ms, ISO 8601, now, or now-<n>m|h|d` };
    times[name] = t;
  }
  if (times.from >= times.to) return { kind: 'error', message: '--from must be before --to' };
  const rates: Record<string, number | null> = {};
  for (const name of ['max-missing-rate', 'max-duplicate-rate', 'max-rejected-rate', 'max-flagged-rate']) {
    const text = values[name] as string | undefined;
    if (text === undefined) {
      rates[name] = name === 'max-missing-rate' ? DEFAULT_MAX_MISSING_RATE : null;
      continue;
    }
    const r = Number(text);
    if (text.trim() === '' || !Number.isFinite(r) || r < 0 || r > 1) return { kind: 'error', message: `invalid --${name} "${text}": expected a rate from 0 to 1 (0.01 is 1 %)` };
    rates[name] = r;
  }
  return {
    kind: 'run',
    options: {
      db,
      from: times.from,
      to: times.to,
      maxMissingRate: rates['max-missing-rate'],
      maxDuplicateRate: rates['max-duplicate-rate'],
      maxRejectedRate: rates['max-rejected-rate'],
      maxFlaggedRate: rates['max-flagged-rate'],
      json: values.json === true,
    },
  };
}

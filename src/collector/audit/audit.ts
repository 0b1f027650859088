/**
 * `homing-collector audit`: the data-quality report of a range, read straight from the SQLite file
 * (read-only, so it runs next to a live collector), checked against maximum rates, for a schedule
 * or a CI job. Scans in time chunks (the raw figures merge exactly, reports/quality.ts), so a long
 * range shows real progress. Exit codes: 0 all checks pass, 1 a rate is above its maximum, 2 bad
 * usage or an unreadable database.
 */
import cliProgress from 'cli-progress';
import type { QualityReport } from '../../shared/reports.js';
import { createQualityAccumulator, fetchQualityRaw } from '../reports/quality.js';
import type { ReportSource } from '../reports/source.js';
import { openClickHouseReportSource } from '../store/clickhouse-reports.js';
import { isClickHouseUrl, parseClickHouseUrl, redactDbUrl } from '../store/clickhouse-url.js';
import { openSqliteReportSource } from '../store/sqlite-reports.js';
import { AUDIT_USAGE, parseAuditOptions } from './audit-options.js';
import { formatAudit, type AuditCheck } from './audit-table.js';

/** Scans are cut into chunks of at least an hour, and at most this many. */
const MAX_CHUNKS = 200;
const MIN_CHUNK_MS = 3_600_000;

export interface AuditIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  now?: () => number;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface AuditMaxima {
  missing: number | null;
  duplicate: number | null;
  rejected: number | null;
  flagged: number | null;
}

export function auditChecks(report: QualityReport, max: AuditMaxima): AuditCheck[] {
  const check = (name: string, value: number, m: number | null): AuditCheck => ({ name, value, max: m, ok: m === null || value <= m });
  return [
    check('missing rate', report.loss.rate, max.missing),
    check('duplicate rate', report.duplicates.rate, max.duplicate),
    check('rejected rate', report.rejected.rate, max.rejected),
    check('flagged rate', report.flagged.rate, max.flagged),
  ];
}

/** Runs the audit; resolves to the exit code. */
export async function runAudit(argv: readonly string[], io: AuditIo): Promise<number> {
  const now = (io.now ?? Date.now)();
  const parsed = parseAuditOptions(argv, io.env ?? process.env, now);
  if (parsed.kind === 'help') {
    io.stdout.write(AUDIT_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`homing-collector audit: ${parsed.message}\nRun homing-collector audit --help for the options.\n`);
    return 2;
  }
  const o = parsed.options;
  let source: ReportSource;
  try {
    // The same engines as the collector's --db: a SQLite file, or ClickHouse by URL.
    source = isClickHouseUrl(o.db) ? openClickHouseReportSource(parseClickHouseUrl(o.db, io.env ?? process.env)) : openSqliteReportSource(o.db);
  } catch (err) {
    io.stderr.write(`homing-collector audit: cannot read ${redactDbUrl(o.db)}: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const span = o.to - o.from;
    const chunks = Math.max(1, Math.min(MAX_CHUNKS, Math.ceil(span / MIN_CHUNK_MS)));
    const size = Math.ceil(span / chunks);
    const bar = io.stderr.isTTY && chunks > 1
      ? new cliProgress.SingleBar({ stream: io.stderr, format: 'scanning [{bar}] {percentage}% | {value}/{total} chunks | {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic)
      : null;
    bar?.start(chunks, 0);
    const acc = createQualityAccumulator();
    for (let from = o.from; from < o.to; from += size) {
      acc.add(await fetchQualityRaw(source, { from, to: Math.min(from + size, o.to) }));
      bar?.increment();
    }
    bar?.stop();
    const report = acc.report({ from: o.from, to: o.to, tz: 'UTC' });
    const checks = auditChecks(report, { missing: o.maxMissingRate, duplicate: o.maxDuplicateRate, rejected: o.maxRejectedRate, flagged: o.maxFlaggedRate });
    const passed = checks.every((c) => c.ok);
    io.stdout.write(o.json ? JSON.stringify({ passed, checks, report }, null, 2) + '\n' : formatAudit(report, checks, redactDbUrl(o.db)));
    return passed ? 0 : 1;
  } catch (err) {
    // ClickHouse answers at query time (SQLite already opened above): unreachable is bad input too.
    io.stderr.write(`homing-collector audit: cannot read ${redactDbUrl(o.db)}: ${(err as Error).message}\n`);
    return 2;
  } finally {
    await source.close();
  }
}

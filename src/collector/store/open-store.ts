/**
 * The engine behind `--db`: a `clickhouse://` or `clickhouses://` URL opens the ClickHouse store,
 * anything else is a SQLite file opened on the worker thread. The CLI calls this; a library user
 * may call either factory directly.
 */
import type { ReportSource } from '../reports/source.js';
import { createClickHouseStore } from './clickhouse.js';
import { openClickHouseReportSource } from './clickhouse-reports.js';
import { isClickHouseUrl, parseClickHouseUrl } from './clickhouse-url.js';
import type { EventStore } from './store.js';
import { createSqliteReportWorker } from './reports-worker-source.js';
import { createSqliteWorkerStore } from './worker-store.js';

export interface OpenStoreOptions {
  /** Events waiting to be stored beyond which requests get 503 + Retry-After (either engine). */
  maxQueuedEvents: number;
  /** ClickHouse group commit: events per INSERT, and the longest a request waits for one. */
  clickhouseBatchRows: number;
  clickhouseBatchMs: number;
  /** For ClickHouse credentials not in the URL (HOMING_CLICKHOUSE_USER / _PASSWORD). */
  env: Readonly<Record<string, string | undefined>>;
}

export async function openStore(db: string, options: OpenStoreOptions): Promise<EventStore> {
  if (isClickHouseUrl(db)) {
    return createClickHouseStore(parseClickHouseUrl(db, options.env), {
      batchRows: options.clickhouseBatchRows,
      batchMs: options.clickhouseBatchMs,
      maxQueuedEvents: options.maxQueuedEvents,
    });
  }
  return createSqliteWorkerStore(db, { maxQueuedEvents: options.maxQueuedEvents });
}

/**
 * The report queries for `--db`, on a connection of their own so a long report never waits behind
 * ingest: ClickHouse through its own client (store/clickhouse-reports.ts), SQLite read-only on a
 * worker thread (store/reports-worker.ts).
 */
export async function openReportSource(db: string, env: Readonly<Record<string, string | undefined>>): Promise<ReportSource> {
  if (isClickHouseUrl(db)) return openClickHouseReportSource(parseClickHouseUrl(db, env));
  return createSqliteReportWorker(db);
}

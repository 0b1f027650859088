/**
 * The two stores side by side, for tests that compare what SQLite and ClickHouse answer: a local
 * ClickHouse server (its own database per test file), a SQLite file in a temp folder, a store on
 * each, and, once `openSources()` is called (after the data is in), a report source on each.
 * `close()` stops and removes all of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportSource } from '../../src/collector/reports/source.js';
import { createClickHouseStore, type ClickHouseStore } from '../../src/collector/store/clickhouse.js';
import { createClickHouseReportSource } from '../../src/collector/store/clickhouse-reports.js';
import { parseClickHouseUrl } from '../../src/collector/store/clickhouse-url.js';
import { createSqliteStore, type SqliteStore } from '../../src/collector/store/sqlite.js';
import { openSqliteReportSource } from '../../src/collector/store/sqlite-reports.js';
import { startClickHouse, type ClickHouseServer } from './clickhouse.js';

export interface BothEngines {
  clickhouse: ClickHouseServer;
  /** The temp folder (removed by `close()`), for more files of the test's own. */
  dir: string;
  sqlitePath: string;
  sqliteStore: SqliteStore;
  chStore: ClickHouseStore;
  /** SQLite's then ClickHouse's, filled by `openSources()`. */
  sources: ReportSource[];
  openSources(): ReportSource[];
  close(): Promise<void>;
}

export async function startBothEngines(name: string): Promise<BothEngines> {
  const clickhouse = await startClickHouse();
  const dir = mkdtempSync(join(tmpdir(), `homing-${name}-`));
  const sqlitePath = join(dir, 'collector.sqlite');
  const sqliteStore = createSqliteStore(sqlitePath);
  let chStore: ClickHouseStore;
  try {
    chStore = await createClickHouseStore(parseClickHouseUrl(clickhouse.dbUrl(name)), { batchMs: 5 });
  } catch (err) {
    sqliteStore.close();
    await clickhouse.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const sources: ReportSource[] = [];
  return {
    clickhouse,
    dir,
    sqlitePath,
    sqliteStore,
    chStore,
    sources,
    openSources() {
      sources.push(openSqliteReportSource(sqlitePath), createClickHouseReportSource({ client: chStore.client, database: chStore.database }));
      return sources;
    },
    async close() {
      for (const s of sources) await s.close();
      sqliteStore.close();
      await chStore.close();
      await clickhouse.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

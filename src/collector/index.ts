/**
 * The collector as a library (the `homing-collector` package): build the app around a store, listen yourself.
 * The `homing-collector` bin (cli.ts) is the same thing with flags.
 */
export { collectorCounters, createCollector, type CollectorOptions } from './server.js';
export { createSqliteStore, SQLITE_SCHEMA_VERSION, type SqliteStore, type SqliteStoreOptions } from './store/sqlite.js';
export { createSqliteWorkerStore, StoreBusyError, type WorkerStoreOptions } from './store/worker-store.js';
export type {
  Awaitable, ErasureResult, EventStore, InsertResult, LossCounts, StoredEvent, StoredManifest, StoredPayload, StoredProfile,
} from './store/store.js';
export { openStore, openReportSource, type OpenStoreOptions } from './store/open-store.js';
export { createClickHouseStore, type ClickHouseStore, type ClickHouseStoreOptions } from './store/clickhouse.js';
export type { ReportSource } from './reports/source.js';
export { createKeyRing, parseKeysFile, type KeyInfo, type KeyKind, type KeyRing, type KeySpec } from './keys.js';
export { anonymizeIp } from './ip.js';
export type { AllowedOrigins } from './cors.js';
export type { CollectorLoggerOptions } from './log.js';
export type { BatchAnswer, CollectorCounters } from './ingest.js';
export type { ErasureAnswer } from './routes/admin.js';
export type { IndexedRejection, RejectionCode } from './validate.js';
export type { ErrorBody } from './http-error.js';

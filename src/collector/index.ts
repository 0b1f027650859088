/**
 * The collector as a library (`homing/collector`): build the app around a store, listen yourself.
 * The `homing-collector` bin (cli.ts) is the same thing with flags.
 */
export { collectorCounters, createCollector, type CollectorOptions } from './server.js';
export { createSqliteStore, SQLITE_SCHEMA_VERSION, type SqliteStoreOptions } from './store/sqlite.js';
export type { EventStore, InsertResult, LossCounts, StoredEvent, StoredManifest, StoredPayload } from './store/store.js';
export type { AllowedOrigins } from './cors.js';
export type { BatchAnswer, CollectorCounters } from './routes/batch.js';
export type { IndexedRejection, RejectionCode } from './validate.js';
export type { ErrorBody } from './http-error.js';

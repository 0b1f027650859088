/**
 * The ClickHouse schema, created on start with `IF NOT EXISTS` (idempotent: every collector process
 * of a deployment runs it, at the same time if they start together). Only what ClickHouse 18.16
 * (Debian's package, the oldest supported) and current releases both have: MergeTree engines in the
 * new syntax, Nullable, ALTER ... DELETE mutations. No LowCardinality (experimental in 18.16), no
 * JSON or DateTime64 types, no skip indexes. A cluster uses docs/clickhouse-cluster.sql instead.
 *
 * events: ReplacingMergeTree ORDER BY message_id, so copies of one event collapse into one row
 *   when parts merge. Dedup is eventual, so the store checks ids before inserting (exact receipts
 *   within a process, see clickhouse.ts) and every read that counts uses FINAL or aggregates by
 *   message_id (exact even before a merge). With UUIDv7 ids, the key order is time order: the
 *   check for new ids touches only the newest granule of each part. PARTITION BY the month of
 *   `id_time`, which every copy of an id agrees on (clickhouse-rows.ts `idTime`), because copies
 *   in different partitions would never merge. Report columns are real columns; the payload is
 *   JSON text (18.16 has no JSON type). Times are epoch ms (no DateTime64 in 18.16).
 * event_channels: the channels a duplicate came through beyond the stored copy's own (a browser
 *   event and its server copy), ordered by when the store saw them (`at`, µs). Small: one row per
 *   (event, extra channel).
 * loss_manifests: ReplacingMergeTree(at): the highest `at` per device survives merges, and reads
 *   take it with ORDER BY at DESC LIMIT 1.
 * profile_traits: one row per stored identify call; a profile is those rows merged in capture
 *   order when read (identify calls are rare, and this keeps inserts append-only).
 * quality_counts: ingest outcomes per minute (store.ts `QualityCount`), a SummingMergeTree: every
 *   collector process appends its own counts and merges add them up; reads use sum(n).
 */
import type { ClickHouseClient } from '@clickhouse/client';

export function schemaStatements(db: string): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    `CREATE TABLE IF NOT EXISTS ${db}.events (
       message_id   String,
       type         String,
       event        Nullable(String),
       anonymous_id Nullable(String),
       user_id      Nullable(String),
       ts           Int64,
       received_at  Int64,
       sent_at      Nullable(Int64),
       seq          Nullable(Int64),
       session_id   Nullable(String),
       channel      Nullable(String),
       utm_source   Nullable(String),
       utm_medium   Nullable(String),
       utm_campaign Nullable(String),
       page_url     Nullable(String),
       page_path    Nullable(String),
       payload      String,
       id_time      Int64
     ) ENGINE = ReplacingMergeTree()
     PARTITION BY toYYYYMM(toDateTime(intDiv(id_time, 1000)))
     ORDER BY message_id`,
    `CREATE TABLE IF NOT EXISTS ${db}.event_channels (
       message_id String,
       channel    String,
       at         Int64
     ) ENGINE = ReplacingMergeTree()
     ORDER BY (message_id, channel)`,
    `CREATE TABLE IF NOT EXISTS ${db}.loss_manifests (
       device_id   String,
       at          UInt64,
       received_at Int64,
       counts      String,
       last_seq    Nullable(Int64)
     ) ENGINE = ReplacingMergeTree(at)
     ORDER BY device_id`,
    `CREATE TABLE IF NOT EXISTS ${db}.profile_traits (
       user_id    String,
       message_id String,
       ts         Int64,
       traits     String
     ) ENGINE = ReplacingMergeTree()
     ORDER BY (user_id, message_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.quality_counts (
       minute  Int64,
       kind    String,
       channel String,
       code    String,
       n       UInt64
     ) ENGINE = SummingMergeTree(n)
     ORDER BY (minute, kind, channel, code)`,
  ];
}

export async function createSchema(client: ClickHouseClient, db: string): Promise<void> {
  for (const query of schemaStatements(db)) await client.command({ query });
}

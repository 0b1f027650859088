-- Homing's ClickHouse schema for a cluster: shards of replicas, behind stateless collectors.
--
-- The single-server schema (src/collector/store/clickhouse-schema.ts, created by the collector on
-- start) works as is on one node. For a cluster, create these tables yourself, once, with
-- ON CLUSTER, before the collectors start: the collector's own CREATE ... IF NOT EXISTS then finds
-- `homing.events` etc. present (they are the Distributed tables below) and changes nothing.
--
-- Requirements: a cluster named `homing_cluster` in <remote_servers>, ZooKeeper (or ClickHouse
-- Keeper) for replication, and the macros {shard} and {replica} on every node. Works on 18.16 and
-- current releases (old-style engine arguments: ZooKeeper path, replica name).
--
-- Why this shape:
-- * Copies of one event must meet in one place to collapse: ReplacingMergeTree merges only rows of
--   one part set, on one shard, in one partition. So the Distributed table shards by a hash of
--   message_id (every copy of an id goes to the same shard, whichever collector wrote it), and the
--   partition key is `id_time`, which every copy agrees on (clickhouse-rows.ts `idTime`).
-- * The side tables are keyed by message_id / device_id / user_id for the same reason.
-- * Replicated*MergeTree also dedups identical insert blocks (a retried INSERT of the same block),
--   which the collector's resend-after-503 can produce.
-- * Reads count each event once with FINAL or uniqExact(message_id) / GROUP BY message_id, as on
--   one node: copies are always on the same shard, so per-shard FINAL is exact cluster-wide.
-- * Inserts through a Distributed table are asynchronous by default: the collector's ack must
--   mean "stored on the shard", so give the collector's user insert_distributed_sync = 1 (in its
--   settings profile, users.xml), or the ack only means "queued on this node".
--
-- The collector checks ids before inserting (exact receipts); that check reads the Distributed
-- table, so it asks every shard. Shards keep it cheap for UUIDv7 ids (only the newest granules
-- match), as on one node.

CREATE DATABASE IF NOT EXISTS homing ON CLUSTER homing_cluster;

-- Local (per shard) tables ---------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS homing.events_local ON CLUSTER homing_cluster (
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
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/homing/events', '{replica}')
PARTITION BY toYYYYMM(toDateTime(intDiv(id_time, 1000)))
ORDER BY message_id;

CREATE TABLE IF NOT EXISTS homing.event_channels_local ON CLUSTER homing_cluster (
  message_id String,
  channel    String,
  at         Int64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/homing/event_channels', '{replica}')
ORDER BY (message_id, channel);

CREATE TABLE IF NOT EXISTS homing.loss_manifests_local ON CLUSTER homing_cluster (
  device_id   String,
  at          UInt64,
  received_at Int64,
  counts      String,
  last_seq    Nullable(Int64)
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/homing/loss_manifests', '{replica}', at)
ORDER BY device_id;

CREATE TABLE IF NOT EXISTS homing.profile_traits_local ON CLUSTER homing_cluster (
  user_id    String,
  message_id String,
  ts         Int64,
  traits     String
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/homing/profile_traits', '{replica}')
ORDER BY (user_id, message_id);

-- What the collectors use: Distributed tables under the single-node names ------------------------

CREATE TABLE IF NOT EXISTS homing.events ON CLUSTER homing_cluster AS homing.events_local
ENGINE = Distributed(homing_cluster, homing, events_local, cityHash64(message_id));

CREATE TABLE IF NOT EXISTS homing.event_channels ON CLUSTER homing_cluster AS homing.event_channels_local
ENGINE = Distributed(homing_cluster, homing, event_channels_local, cityHash64(message_id));

CREATE TABLE IF NOT EXISTS homing.loss_manifests ON CLUSTER homing_cluster AS homing.loss_manifests_local
ENGINE = Distributed(homing_cluster, homing, loss_manifests_local, cityHash64(device_id));

-- A user's identify rows on one shard; getProfile joins them to the user's events across shards.
CREATE TABLE IF NOT EXISTS homing.profile_traits ON CLUSTER homing_cluster AS homing.profile_traits_local
ENGINE = Distributed(homing_cluster, homing, profile_traits_local, cityHash64(user_id));

-- Erasure (ALTER TABLE ... DELETE) must run on the local tables, on every shard:
--   ALTER TABLE homing.events_local ON CLUSTER homing_cluster DELETE WHERE ...
-- The collector's eraseUser issues ALTERs against the names it knows (the Distributed tables),
-- which ClickHouse refuses for Distributed engines: on a cluster, erase with the statements above
-- (same WHERE clauses as src/collector/store/clickhouse-erase.ts) until the store learns the
-- `_local` names.

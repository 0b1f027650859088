/**
 * The scale-out store: ClickHouse through the official client (`@clickhouse/client`, over HTTP),
 * selected by `--db clickhouse://host:8123/database`. Collector processes using it keep no event
 * state of their own, so any number of them can run behind a load balancer on one ClickHouse (or
 * a cluster, docs/clickhouse-cluster.sql).
 *
 * Ingest goes through a group commit (clickhouse-group-commit.ts): requests are gathered into one
 * INSERT of up to `batchRows` rows or `batchMs` of waiting, and each is answered after the INSERT
 * that holds its events returned. How receipts stay exact although ClickHouse dedups eventually,
 * and what two processes racing on one id do, is in clickhouse-commit.ts. Reads count each
 * messageId once: FINAL, or aggregation by message_id.
 *
 * Works with ClickHouse 18.16 (Debian's package) and current releases: no query parameters (values
 * are inlined and escaped), no async inserts, only formats both have (JSONEachRow).
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Channel } from '../../shared/event.js';
import { createCommitter, type CommitJob } from './clickhouse-commit.js';
import { eraseUserFromClickHouse } from './clickhouse-erase.js';
import { createGroupCommit } from './clickhouse-group-commit.js';
import {
  EVENT_COLUMNS, fromEventRow, fromManifestRow, mergePatch, sqlString, wellFormed, type EventRowOut, type ManifestRow,
} from './clickhouse-rows.js';
import { createSchema } from './clickhouse-schema.js';
import type { ClickHouseTarget } from './clickhouse-url.js';
import type { EventStore, InsertResult, StoredProfile } from './store.js';
import { COLLECTOR_DEFAULTS as D } from '../../shared/config.js';

export interface ClickHouseStoreOptions {
  /** A group is inserted once it holds this many events... */
  batchRows?: number;
  /** ...or this many ms after its oldest request arrived. */
  batchMs?: number;
  /** Events waiting or being inserted beyond which requests get 503 + Retry-After. */
  maxQueuedEvents?: number;
  /** Per HTTP request to ClickHouse. */
  requestTimeoutMs?: number;
  /** How long `eraseUser` waits for ClickHouse's delete mutations. */
  erasureTimeoutMs?: number;
  /** Epoch ms. */
  now?: () => number;
}

export interface ClickHouseStore extends EventStore {
  /** The server's version string (`SELECT version()`), read on start. */
  readonly serverVersion: string;
  /** The client, for tools and tests that read the tables directly. */
  readonly client: ClickHouseClient;
  readonly database: string;
}

/** Connects, checks the server answers, creates the schema (idempotent), then accepts events. */
export async function createClickHouseStore(target: ClickHouseTarget, options: ClickHouseStoreOptions = {}): Promise<ClickHouseStore> {
  const {
    batchRows = D.clickhouseBatchRows, batchMs = D.clickhouseBatchMs, maxQueuedEvents = D.maxQueuedEvents,
    requestTimeoutMs = D.clickhouseRequestTimeoutMs, erasureTimeoutMs = D.clickhouseErasureTimeoutMs, now = Date.now,
  } = options;
  const db = target.database;
  const client = createClient({
    url: target.url,
    username: target.username,
    password: target.password,
    request_timeout: requestTimeoutMs,
    // Inserts are large and local or on a fast link: gzip would cost more CPU than it saves.
    compression: { request: false, response: false },
    // Keep-alive sockets can be closed by the server between group commits (18.16 keeps them
    // 3 s): the client retries such a stale socket once, which is safe for our idempotent writes.
    keep_alive: { enabled: true },
    // Failures reach the caller (a 503 the collector logs once); the client's own log would repeat them.
    log: { level: ClickHouseLogLevel.OFF },
  });

  let serverVersion: string;
  try {
    const rows = await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>();
    serverVersion = rows[0].v;
    await createSchema(client, db);
  } catch (err) {
    await client.close();
    throw new Error(`cannot open ClickHouse at ${target.url} (database ${db}): ${(err as Error).message}`);
  }

  const group = createGroupCommit<CommitJob, InsertResult>({
    maxRows: batchRows,
    maxMs: batchMs,
    maxQueued: maxQueuedEvents,
    size: (job) => job.events.length,
    commit: createCommitter({ client, db, now }),
  });

  async function select<T>(query: string): Promise<T[]> {
    return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
  }

  let closing: Promise<void> | null = null;
  return {
    serverVersion,
    client,
    database: db,
    async insertBatch(events, manifest) {
      if (events.length === 0 && !manifest) return { inserted: [], duplicate: [] };
      return group.submit(manifest ? { events, manifest } : { events });
    },
    async addQualityCounts(counts) {
      if (counts.length === 0) return;
      const values = counts.map((c) => ({ minute: c.minute, kind: c.kind, channel: wellFormed(c.channel), code: wellFormed(c.code), n: c.count }));
      await client.insert({ table: `${db}.quality_counts`, values, format: 'JSONEachRow' });
    },
    eraseUser: (userId) => eraseUserFromClickHouse({ client, db, timeoutMs: erasureTimeoutMs }, userId),
    async count() {
      const [row] = await select<{ n: string }>(`SELECT uniqExact(message_id) AS n FROM ${db}.events`);
      return Number(row.n);
    },
    async getEvent(messageId) {
      const id = sqlString(wellFormed(messageId));
      // FINAL picks the copy that merges keep, so the answer does not change when they run.
      const [row] = await select<EventRowOut>(`SELECT ${EVENT_COLUMNS} FROM ${db}.events FINAL WHERE message_id = ${id} LIMIT 1`);
      if (!row) return undefined;
      const extra = await select<{ channel: string }>(
        `SELECT channel, min(at) AS first FROM ${db}.event_channels WHERE message_id = ${id} GROUP BY channel ORDER BY first`,
      );
      const channels: Channel[] = row.channel === null ? [] : [row.channel as Channel];
      for (const { channel } of extra) if (!channels.includes(channel as Channel)) channels.push(channel as Channel);
      return fromEventRow(row, channels);
    },
    async getManifest(deviceId) {
      const [row] = await select<ManifestRow>(
        `SELECT device_id, at, received_at, counts, last_seq FROM ${db}.loss_manifests WHERE device_id = ${sqlString(wellFormed(deviceId))}
         ORDER BY at DESC, received_at DESC LIMIT 1`,
      );
      return row && fromManifestRow(row);
    },
    async getProfile(userId) {
      const user = sqlString(wellFormed(userId));
      // Only identify calls whose event is stored (a failed group may have written the row alone),
      // once each (a row not merged yet may be there twice), in capture order.
      const rows = await select<{ ts: string; traits: string }>(
        `SELECT any(ts) AS ts, any(traits) AS traits FROM ${db}.profile_traits
         WHERE user_id = ${user} AND message_id IN (SELECT message_id FROM ${db}.events WHERE user_id = ${user})
         GROUP BY message_id ORDER BY ts, message_id`,
      );
      if (rows.length === 0) return undefined;
      let traits: Record<string, unknown> = {};
      for (const r of rows) traits = mergePatch(traits, JSON.parse(r.traits) as Record<string, unknown>);
      const profile: StoredProfile = { userId, traits, firstSeen: Number(rows[0].ts), lastSeen: Number(rows[rows.length - 1].ts) };
      return profile;
    },
    close() {
      closing ??= (async () => {
        await group.close();
        await client.close();
      })();
      return closing;
    },
  };
}

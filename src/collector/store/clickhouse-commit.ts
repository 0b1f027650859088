/**
 * One group commit into ClickHouse: the requests gathered by clickhouse-group-commit.ts, written
 * with one INSERT into `events` (plus small side inserts when there is something for them).
 *
 * Exact receipts on an engine whose dedup is eventual: before inserting, one query asks which of
 * the group's ids are stored already (`WHERE message_id IN (...)` on the sort key; with UUIDv7 ids
 * only the newest granule of each part matches). Commits in one process never overlap (the group
 * commit runs one at a time), and an INSERT is visible to the next query once it has returned, so
 * within a process `duplicate` is exact: an id is inserted once, and every later copy, in the same
 * group or a later one, is answered `duplicate`.
 *
 * Across processes it is not: two collectors that receive the same id at the same moment can both
 * find it absent and both insert it, so both answer `accepted`. That is safe: the two rows collapse
 * when ClickHouse merges the part (same partition, see `idTime`), and until then every read that
 * counts uses FINAL or groups by message_id, so the event counts once everywhere. What such a race
 * loses: the other copy's channel in `channels` when the two came through different channels.
 *
 * Write order: the side tables first, `events` last. If the events INSERT fails, the group fails
 * (503, the clients resend) and the side rows already written are harmless on the resend: channel
 * and profile rows are keyed by message_id (they collapse, and profiles are read joined to stored
 * events), and a manifest is re-judged by its `at`. If `events` were written first and a side
 * insert failed, the resend would find the events stored and never write their profile rows.
 *
 * An INSERT whose rows span several months is split by ClickHouse into one part per partition, and
 * a failure part-way can leave some parts written. The requests still get 503, and on the resend
 * the written events are answered `duplicate`: they are durable, so nothing is lost or doubled.
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Channel } from '../../shared/event.js';
import {
  EVENT_INSERT_COLUMNS, eventRowsToTsv, sqlStringList, sqlStringSet, toEventRow, toManifestRow, wellFormed, type EventRow,
} from './clickhouse-rows.js';
import type { InsertResult, StoredEvent, StoredManifest } from './store.js';

export interface CommitJob {
  events: readonly StoredEvent[];
  manifest?: StoredManifest;
}

export interface CommitDeps {
  client: ClickHouseClient;
  db: string;
  /** Epoch ms; orders the channels of duplicates (made strictly increasing here). */
  now: () => number;
}

/** Big `IN` lists are inlined (18.16 has no query parameters); the default 256 KiB limit is too small. */
const CHECK_SETTINGS = { max_query_size: String(64 * 1024 * 1024) } as const;

export function createCommitter(deps: CommitDeps): (jobs: CommitJob[]) => Promise<InsertResult[]> {
  const { client, db, now } = deps;
  let lastAt = 0;
  const nextAt = () => (lastAt = Math.max(now() * 1000, lastAt + 1));

  async function select<T>(query: string): Promise<T[]> {
    const result = await client.query({ query, format: 'JSONEachRow', clickhouse_settings: CHECK_SETTINGS });
    return result.json<T>();
  }

  return async function commit(jobs) {
    // Ids as stored (clickhouse-rows.ts `wellFormed`), so a resend finds its copy.
    const ids = new Set<string>();
    for (const job of jobs) for (const e of job.events) ids.add(wellFormed(e.messageId));

    // id → the channel of the stored copy, for everything stored before or earlier in this group.
    const known = new Map<string, string | null>();
    if (ids.size > 0) {
      const rows = await select<{ message_id: string; channel: string | null }>(
        `SELECT message_id, any(channel) AS channel FROM ${db}.events WHERE message_id IN ${sqlStringSet([...ids])} GROUP BY message_id`,
      );
      for (const r of rows) known.set(r.message_id, r.channel);
    }

    const eventRows: EventRow[] = [];
    const profileRows: { user_id: string; message_id: string; ts: number; traits: string }[] = [];
    // Copies from a channel the stored copy did not come through: candidates for event_channels.
    const channelCandidates: { id: string; channel: Channel }[] = [];
    const results: InsertResult[] = jobs.map((job) => {
      const inserted: string[] = [];
      const duplicate: string[] = [];
      for (const e of job.events) {
        const row = toEventRow(e);
        const id = row.message_id;
        if (known.has(id)) {
          duplicate.push(e.messageId);
          if (e.channel !== null && e.channel !== known.get(id)) channelCandidates.push({ id, channel: e.channel });
          continue;
        }
        known.set(id, e.channel);
        inserted.push(e.messageId);
        eventRows.push(row);
        if (row.user_id !== null && e.type === 'identify') {
          profileRows.push({ user_id: row.user_id, message_id: id, ts: e.ts, traits: JSON.stringify(e.payload.traits ?? {}) });
        }
      }
      return { inserted, duplicate };
    });

    const channelRows = await newChannelRows(channelCandidates);
    const manifestRows = await judgeManifests(jobs, results);

    const side: Promise<unknown>[] = [];
    if (channelRows.length > 0) side.push(client.insert({ table: `${db}.event_channels`, values: channelRows, format: 'JSONEachRow' }));
    if (manifestRows.length > 0) side.push(client.insert({ table: `${db}.loss_manifests`, values: manifestRows, format: 'JSONEachRow' }));
    if (profileRows.length > 0) side.push(client.insert({ table: `${db}.profile_traits`, values: profileRows, format: 'JSONEachRow' }));
    await Promise.all(side);
    if (eventRows.length > 0) {
      await client.insert({
        table: `${db}.events`,
        columns: [...EVENT_INSERT_COLUMNS],
        values: Readable.from([eventRowsToTsv(eventRows)], { objectMode: false }),
        format: 'TabSeparated',
      });
    }
    return results;
  };

  /** The candidates not recorded yet, each once, timestamped in the order they arrived. */
  async function newChannelRows(candidates: { id: string; channel: Channel }[]) {
    if (candidates.length === 0) return [];
    const seen = new Set<string>();
    const rows = await select<{ message_id: string; channel: string }>(
      `SELECT DISTINCT message_id, channel FROM ${db}.event_channels WHERE message_id IN ${sqlStringList(new Set(candidates.map((c) => c.id)))}`,
    );
    for (const r of rows) seen.add(`${r.message_id}\n${r.channel}`);
    const out: { message_id: string; channel: string; at: number }[] = [];
    for (const c of candidates) {
      const key = `${c.id}\n${c.channel}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ message_id: c.id, channel: c.channel, at: nextAt() });
    }
    return out;
  }

  /**
   * Newest wins per device, by the device's clock: a manifest is stored unless one with a later
   * `at` is stored already (or came earlier in this group). Stale ones are not written at all.
   */
  async function judgeManifests(jobs: CommitJob[], results: InsertResult[]) {
    const devices = new Set<string>();
    for (const job of jobs) if (job.manifest) devices.add(job.manifest.deviceId);
    if (devices.size === 0) return [];
    const latest = new Map<string, number>();
    const rows = await select<{ device_id: string; at: string | number }>(
      `SELECT device_id, max(at) AS at FROM ${db}.loss_manifests WHERE device_id IN ${sqlStringList(devices)} GROUP BY device_id`,
    );
    for (const r of rows) latest.set(r.device_id, Number(r.at));
    const out = [];
    for (let i = 0; i < jobs.length; i++) {
      const m = jobs[i].manifest;
      if (!m) continue;
      const current = latest.get(m.deviceId);
      if (current !== undefined && current > m.at) {
        results[i].manifest = 'stale';
        continue;
      }
      latest.set(m.deviceId, m.at);
      results[i].manifest = 'stored';
      out.push(toManifestRow(m));
    }
    return out;
  }
}

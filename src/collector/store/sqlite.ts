/**
 * The embedded default store: one SQLite file through better-sqlite3.
 *
 * Exactly-once is the primary key on `message_id` plus "insert unless present", one transaction per
 * batch: `changes === 0` means the id was already stored (docs/store-facts.md "SQLite" checked this
 * at 1M events with a 10% retry pass). It is spelled `ON CONFLICT (message_id) DO NOTHING`, not
 * `INSERT OR IGNORE`: OR IGNORE also skips rows that break a NOT NULL or CHECK constraint, which
 * would report an event that was never stored as a duplicate, and the client would delete it. The
 * table is a rowid table on purpose: with time-ordered UUIDv7 ids it inserted about 5× faster than
 * with random ids, and faster than `WITHOUT ROWID`.
 *
 * A duplicate is not always a plain resend: the same event may come through another channel (a
 * site's server copies a browser event to `/v1/s2s` with the same `messageId`). The first copy stays;
 * the duplicate only adds its channel to `channels`. That UPDATE runs for duplicates alone, so the
 * insert path of new events is unchanged.
 *
 * `openSqliteEngine` is the synchronous core. `createSqliteStore` wraps it as an `EventStore` that
 * runs on the calling thread; ./worker-store.ts runs the same engine on a worker thread, which is
 * what the CLI uses (see there for why).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Channel } from '../../shared/event.js';
import { eventFromColumns, manifestFromColumns, type EventColumns, type ManifestColumns } from './rows.js';
import type {
  ErasureResult, EventStore, InsertResult, QualityCount, StoredEvent, StoredManifest, StoredProfile,
} from './store.js';

/**
 * Schema steps, applied in order; `PRAGMA user_version` records how many ran. Steps are only ever
 * appended (additive: new columns, new indexes), so an old file opens with a new collector and
 * reopening a current file changes nothing.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS events (
     message_id   TEXT PRIMARY KEY,
     type         TEXT NOT NULL,
     event        TEXT,
     anonymous_id TEXT,
     user_id      TEXT,
     ts           INTEGER NOT NULL,
     received_at  INTEGER NOT NULL,
     sent_at      INTEGER,
     seq          INTEGER,
     session_id   TEXT,
     channel      TEXT,
     utm_source   TEXT,
     utm_medium   TEXT,
     utm_campaign TEXT,
     page_url     TEXT,
     page_path    TEXT,
     payload      TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS events_ts ON events (ts);`,
  // v2: the latest loss manifest per device (cumulative counters; `counts` is a JSON object).
  `CREATE TABLE IF NOT EXISTS loss_manifests (
     device_id   TEXT PRIMARY KEY NOT NULL,
     at          INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     counts      TEXT NOT NULL,
     last_seq    INTEGER
   );`,
  // v3: channels that saw each event ("browser,server"); NULL on rows written before v3, which
  // read as their `channel` (no rewrite of old rows, so the upgrade is instant on any size).
  // `consent` is context.consent as JSON, a virtual column: queryable, no cost on insert.
  // Profiles (identify traits) and a partial index for erasure by userId (anonymous events, the
  // bulk of the table, do not pay for it).
  `ALTER TABLE events ADD COLUMN channels TEXT;
   ALTER TABLE events ADD COLUMN consent TEXT GENERATED ALWAYS AS (json_extract(payload, '$.context.consent')) VIRTUAL;
   CREATE INDEX IF NOT EXISTS events_user ON events (user_id) WHERE user_id IS NOT NULL;
   CREATE TABLE IF NOT EXISTS profiles (
     user_id    TEXT PRIMARY KEY NOT NULL,
     traits     TEXT NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen  INTEGER NOT NULL
   );`,
  // v4: ingest outcomes per minute of receipt (reports/quality.ts), so duplicate and rejection
  // rates survive restarts; `code` is '' except for rejections. And two covering indexes for the
  // reports (store/sqlite-reports.ts), so no report reads the payloads of a whole range: by name
  // then time (counts per bucket and event are index range counts), and by time with the columns
  // the per-device, per-session and delay figures need. The second begins with `ts`, so it
  // replaces events_ts, which would only cost inserts. Indexes led by device or session would
  // spare the reports a sort but cost ingest about 40 % (they insert all over the tree, these two
  // near their ends): bench/collector-load.ts, docs/reports.md.
  `CREATE INDEX IF NOT EXISTS events_by_name ON events (event, type, ts, session_id, anonymous_id);
   CREATE INDEX IF NOT EXISTS events_by_time ON events (
     ts, session_id, anonymous_id, seq, received_at, sent_at, utm_source, utm_medium, utm_campaign);
   DROP INDEX IF EXISTS events_ts;
   CREATE TABLE IF NOT EXISTS quality_counts (
     minute  INTEGER NOT NULL,
     kind    TEXT NOT NULL,
     channel TEXT NOT NULL,
     code    TEXT NOT NULL,
     n       INTEGER NOT NULL,
     PRIMARY KEY (minute, kind, channel, code)
   ) WITHOUT ROWID;`,
];

/** The schema version this code writes; exported so tests and tools can check a file. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * One event as the engine inserts it, in column order: a flat array is what crosses to the worker
 * thread cheapest. `traitsJson` is set for identify calls with a userId (they update the profile).
 */
export type RowTuple = [
  messageId: string, type: string, event: string | null, anonymousId: string | null, userId: string | null,
  ts: number, receivedAt: number, sentAt: number | null, seq: number | null, sessionId: string | null,
  channel: string | null, utmSource: string | null, utmMedium: string | null, utmCampaign: string | null,
  pageUrl: string | null, pagePath: string | null, payloadJson: string, traitsJson: string | null,
];

export type ManifestTuple = [deviceId: string, at: number, receivedAt: number, countsJson: string, lastSeq: number | null];

/** One request's rows: committed all or nothing, possibly in one transaction with other jobs. */
export interface InsertJob {
  rows: RowTuple[];
  manifest?: ManifestTuple;
}

/** Indexes (into `rows`) of the ids that were stored already; every other row was inserted. */
export interface JobResult {
  duplicates: number[];
  manifest?: 'stored' | 'stale';
}

export function toRowTuple(e: StoredEvent): RowTuple {
  const traits = e.type === 'identify' && e.userId !== null ? JSON.stringify(e.payload.traits ?? {}) : null;
  return [
    e.messageId, e.type, e.event, e.anonymousId, e.userId, e.ts, e.receivedAt, e.sentAt, e.seq, e.sessionId,
    e.channel, e.utmSource, e.utmMedium, e.utmCampaign, e.pageUrl, e.pagePath, e.payloadJson ?? JSON.stringify(e.payload), traits,
  ];
}

export function toManifestTuple(m: StoredManifest): ManifestTuple {
  return [m.deviceId, m.at, m.receivedAt, JSON.stringify(m.counts), m.lastSeq];
}

/** Turns a job's indexes back into the id lists of `InsertResult`. */
export function toInsertResult(rows: readonly { messageId: string }[] | readonly RowTuple[], result: JobResult): InsertResult {
  const id = (i: number) => {
    const r = rows[i];
    return Array.isArray(r) ? (r as RowTuple)[0] : (r as { messageId: string }).messageId;
  };
  const duplicate = result.duplicates.map(id);
  const inserted: string[] = [];
  let d = 0;
  for (let i = 0; i < rows.length; i++) {
    if (result.duplicates[d] === i) d++;
    else inserted.push(id(i));
  }
  const out: InsertResult = { inserted, duplicate };
  if (result.manifest) out.manifest = result.manifest;
  return out;
}

interface EventRow extends EventColumns {
  /** Every channel that brought a copy, comma-separated; null until a second channel did. */
  channels: string | null;
}

interface ProfileRow {
  user_id: string;
  traits: string;
  first_seen: number;
  last_seen: number;
}

export interface SqliteStoreOptions {
  /**
   * `NORMAL` (default): in WAL mode a commit survives a process crash but the last commits may be
   * lost on power loss. `FULL` fsyncs every commit, about a third slower (docs/store-facts.md "SQLite").
   */
  synchronous?: 'NORMAL' | 'FULL';
}

/** What the engine and the in-thread store both answer, synchronously: final when the call returns. */
interface SqliteSync {
  eraseUser(userId: string): ErasureResult;
  count(): number;
  getEvent(messageId: string): StoredEvent | undefined;
  getManifest(deviceId: string): StoredManifest | undefined;
  getProfile(userId: string): StoredProfile | undefined;
  addQualityCounts(counts: readonly QualityCount[]): void;
  close(): void;
}

/** The synchronous core, shared by the in-thread store and the worker thread. */
export interface SqliteEngine extends SqliteSync {
  /** All jobs in one transaction (a group commit); throws and rolls everything back on failure. */
  insertJobs(jobs: readonly InsertJob[]): JobResult[];
}

/** Opens (creating if needed) the database at `path`; `':memory:'` gives a private in-memory one. */
export function openSqliteEngine(path: string, options: SqliteStoreOptions = {}): SqliteEngine {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });

  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    // Another process (a report, a test reading the file) may hold a lock for a moment.
    db.pragma('busy_timeout = 5000');
    // Erased rows are overwritten on disk, not just unlinked (only deletes pay for it).
    db.pragma('secure_delete = ON');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }

  const insert = db.prepare(
    `INSERT INTO events (
       message_id, type, event, anonymous_id, user_id, ts, received_at, sent_at, seq, session_id,
       channel, channels, utm_source, utm_medium, utm_campaign, page_url, page_path, payload
     ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (message_id) DO NOTHING`,
  );
  // Adds a channel to a stored event unless it is listed already.
  const addChannel = db.prepare(
    `UPDATE events SET channels = CASE WHEN coalesce(channels, channel) IS NULL THEN @channel
                                       ELSE coalesce(channels, channel) || ',' || @channel END
     WHERE message_id = @id AND instr(',' || coalesce(channels, channel, '') || ',', ',' || @channel || ',') = 0`,
  );
  // Traits merge per key (RFC 7396, as json_patch does); of two identify calls the later one by
  // capture time wins a key, even when the earlier one arrives last.
  const upsertProfile = db.prepare(
    `INSERT INTO profiles (user_id, traits, first_seen, last_seen) VALUES (?, json(?), ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET
       traits = CASE WHEN excluded.last_seen >= profiles.last_seen THEN json_patch(profiles.traits, excluded.traits)
                     ELSE json_patch(excluded.traits, profiles.traits) END,
       first_seen = min(profiles.first_seen, excluded.first_seen),
       last_seen = max(profiles.last_seen, excluded.last_seen)`,
  );
  const countAll = db.prepare('SELECT count(*) AS n FROM events').pluck();
  const selectOne = db.prepare('SELECT * FROM events WHERE message_id = ?');
  // Latest per device by the device's own clock: an older manifest arriving late (a batch resent
  // after a newer one went through) must not roll the counters back. `changes === 0` means stale.
  const upsertManifest = db.prepare(
    `INSERT INTO loss_manifests (device_id, at, received_at, counts, last_seq) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (device_id) DO UPDATE SET
       at = excluded.at, received_at = excluded.received_at, counts = excluded.counts, last_seq = excluded.last_seq
     WHERE excluded.at >= loss_manifests.at`,
  );
  const selectManifest = db.prepare('SELECT * FROM loss_manifests WHERE device_id = ?');
  const selectProfile = db.prepare('SELECT * FROM profiles WHERE user_id = ?');
  const linkedDevices = db.prepare('SELECT DISTINCT anonymous_id FROM events WHERE user_id = ? AND anonymous_id IS NOT NULL').pluck();
  const deleteUserEvents = db.prepare('DELETE FROM events WHERE user_id = ?');
  // A scan (anonymous_id has no index: it would slow every insert for a rare operation).
  const deleteDeviceEvents = db.prepare('DELETE FROM events WHERE user_id IS NULL AND anonymous_id IN (SELECT value FROM json_each(?))');
  const deleteManifests = db.prepare('DELETE FROM loss_manifests WHERE device_id IN (SELECT value FROM json_each(?))');
  const deleteProfile = db.prepare('DELETE FROM profiles WHERE user_id = ?');
  const addCount = db.prepare(
    `INSERT INTO quality_counts (minute, kind, channel, code, n) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (minute, kind, channel, code) DO UPDATE SET n = n + excluded.n`,
  );
  const addCounts = db.transaction((counts: readonly QualityCount[]) => {
    for (const c of counts) addCount.run(c.minute, c.kind, c.channel, c.code, c.count);
  });

  function insertJob(job: InsertJob): JobResult {
    const duplicates: number[] = [];
    const rows = job.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const info = insert.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[10], r[11], r[12], r[13], r[14], r[15], r[16]);
      if (info.changes === 0) {
        duplicates.push(i);
        if (r[10] !== null) addChannel.run({ channel: r[10], id: r[0] });
      } else if (r[17] !== null) {
        upsertProfile.run(r[4], r[17], r[5], r[5]);
      }
    }
    if (!job.manifest) return { duplicates };
    const m = job.manifest;
    const info = upsertManifest.run(m[0], m[1], m[2], m[3], m[4]);
    return { duplicates, manifest: info.changes === 0 ? 'stale' : 'stored' };
  }

  // db.transaction() commits when the function returns and rolls back if it throws, so a group is
  // all-or-nothing and no request is acknowledged for a partly written batch.
  const insertAll = db.transaction((jobs: readonly InsertJob[]): JobResult[] => jobs.map(insertJob));

  const erase = db.transaction((userId: string): ErasureResult => {
    const devices = linkedDevices.all(userId) as string[];
    const json = JSON.stringify(devices);
    let events = deleteUserEvents.run(userId).changes;
    events += devices.length > 0 ? deleteDeviceEvents.run(json).changes : 0;
    const manifests = devices.length > 0 ? deleteManifests.run(json).changes : 0;
    const profiles = deleteProfile.run(userId).changes;
    return { events, anonymousIds: devices.length, profiles, manifests };
  });

  let closed = false;
  return {
    insertJobs(jobs) {
      return insertAll(jobs);
    },
    eraseUser(userId) {
      const result = erase(userId);
      // Deleted pages may still sit in the WAL file; fold it into the database now. Best effort:
      // a reader holding an old snapshot makes it partial, and the next checkpoint finishes it.
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // busy: left to the automatic checkpoint
      }
      return result;
    },
    count() {
      return countAll.get() as number;
    },
    getEvent(messageId) {
      const row = selectOne.get(messageId) as EventRow | undefined;
      return row && fromRow(row);
    },
    getManifest(deviceId) {
      const row = selectManifest.get(deviceId) as ManifestColumns | undefined;
      return row && manifestFromColumns(row);
    },
    getProfile(userId) {
      const row = selectProfile.get(userId) as ProfileRow | undefined;
      return row && { userId: row.user_id, traits: JSON.parse(row.traits) as Record<string, unknown>, firstSeen: row.first_seen, lastSeen: row.last_seen };
    },
    addQualityCounts(counts) {
      if (counts.length > 0) addCounts(counts);
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** An `EventStore` whose every answer is final when the call returns. */
export interface SqliteStore extends SqliteSync {
  insertBatch(events: readonly StoredEvent[], manifest?: StoredManifest): InsertResult;
}

/** The store on the calling thread: simplest to embed and to test; SQLite work blocks the loop. */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  const { insertJobs, ...sync } = openSqliteEngine(path, options);
  const store: SqliteStore = {
    ...sync,
    insertBatch(events, manifest) {
      if (events.length === 0 && !manifest) return { inserted: [], duplicate: [] };
      const job: InsertJob = { rows: events.map(toRowTuple) };
      if (manifest) job.manifest = toManifestTuple(manifest);
      return toInsertResult(events, insertJobs([job])[0]);
    },
  };
  // Checked here, not declared on the interface: every answer is the synchronous case of Awaitable.
  return store satisfies EventStore;
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    // One transaction per step, version bump included, so a crash never leaves a step half-applied.
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function fromRow(row: EventRow): StoredEvent {
  const channels = row.channels ?? row.channel;
  return eventFromColumns(row, channels === null ? [] : (channels.split(',') as Channel[]));
}

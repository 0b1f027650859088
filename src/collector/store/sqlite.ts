/**
 * The embedded default store: one SQLite file through better-sqlite3.
 *
 * Exactly-once is the primary key on `message_id` plus "insert unless present", one transaction per
 * batch: `changes === 0` means the id was already stored (shared/collector-stores.md §1 checked this
 * at 1M events with a 10% retry pass). It is spelled `ON CONFLICT (message_id) DO NOTHING`, not
 * `INSERT OR IGNORE`: OR IGNORE also skips rows that break a NOT NULL or CHECK constraint, which
 * would report an event that was never stored as a duplicate, and the client would delete it. The table is a rowid table on purpose: with time-ordered
 * UUIDv7 ids it inserted about 5× faster than with random ids, and faster than `WITHOUT ROWID`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { EventStore, InsertResult, LossCounts, StoredEvent, StoredManifest, StoredPayload } from './store.js';

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
];

/** The schema version this code writes; exported so tests and tools can check a file. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

interface EventRow {
  message_id: string;
  type: string;
  event: string | null;
  anonymous_id: string | null;
  user_id: string | null;
  ts: number;
  received_at: number;
  sent_at: number | null;
  seq: number | null;
  session_id: string | null;
  channel: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  page_url: string | null;
  page_path: string | null;
  payload: string;
}

interface ManifestRow {
  device_id: string;
  at: number;
  received_at: number;
  counts: string;
  last_seq: number | null;
}

export interface SqliteStoreOptions {
  /**
   * `NORMAL` (default): in WAL mode a commit survives a process crash but the last commits may be
   * lost on power loss. `FULL` fsyncs every commit, about a third slower (collector-stores.md §1).
   */
  synchronous?: 'NORMAL' | 'FULL';
}

/** Opens (creating if needed) the store at `path`; `':memory:'` gives a private in-memory one. */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): EventStore {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });

  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    // Another process (a report, a test reading the file) may hold a lock for a moment.
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }

  const insert = db.prepare(
    `INSERT INTO events (
       message_id, type, event, anonymous_id, user_id, ts, received_at, sent_at, seq, session_id,
       channel, utm_source, utm_medium, utm_campaign, page_url, page_path, payload
     ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (message_id) DO NOTHING`,
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

  // db.transaction() commits when the function returns and rolls back if it throws, so a batch is
  // all-or-nothing and the route never acknowledges a partly written batch.
  const insertAll = db.transaction((events: readonly StoredEvent[], manifest: StoredManifest | undefined): InsertResult => {
    const inserted: string[] = [];
    const duplicate: string[] = [];
    for (const e of events) {
      const info = insert.run(
        e.messageId, e.type, e.event, e.anonymousId, e.userId, e.ts, e.receivedAt, e.sentAt, e.seq,
        e.sessionId, e.channel, e.utmSource, e.utmMedium, e.utmCampaign, e.pageUrl, e.pagePath,
        JSON.stringify(e.payload),
      );
      (info.changes === 0 ? duplicate : inserted).push(e.messageId);
    }
    if (!manifest) return { inserted, duplicate };
    const info = upsertManifest.run(
      manifest.deviceId, manifest.at, manifest.receivedAt, JSON.stringify(manifest.counts), manifest.lastSeq,
    );
    return { inserted, duplicate, manifest: info.changes === 0 ? 'stale' : 'stored' };
  });

  let closed = false;
  return {
    insertBatch(events, manifest) {
      if (events.length === 0 && !manifest) return { inserted: [], duplicate: [] };
      return insertAll(events, manifest);
    },
    count() {
      return countAll.get() as number;
    },
    getEvent(messageId) {
      const row = selectOne.get(messageId) as EventRow | undefined;
      return row && fromRow(row);
    },
    getManifest(deviceId) {
      const row = selectManifest.get(deviceId) as ManifestRow | undefined;
      return row && {
        deviceId: row.device_id,
        at: row.at,
        receivedAt: row.received_at,
        counts: JSON.parse(row.counts) as LossCounts,
        lastSeq: row.last_seq,
      };
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
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
  return {
    messageId: row.message_id,
    type: row.type as StoredEvent['type'],
    event: row.event,
    anonymousId: row.anonymous_id,
    userId: row.user_id,
    ts: row.ts,
    receivedAt: row.received_at,
    sentAt: row.sent_at,
    seq: row.seq,
    sessionId: row.session_id,
    channel: row.channel as StoredEvent['channel'],
    utmSource: row.utm_source,
    utmMedium: row.utm_medium,
    utmCampaign: row.utm_campaign,
    pageUrl: row.page_url,
    pagePath: row.page_path,
    payload: JSON.parse(row.payload) as StoredPayload,
  };
}

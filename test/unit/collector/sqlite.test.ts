import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, SQLITE_SCHEMA_VERSION, type SqliteStore, type StoredEvent, type StoredManifest } from '../../../src/collector/index.js';
import { toStoredEvent } from '../../../src/collector/normalize.js';
import { openSqliteEngine, toRowTuple } from '../../../src/collector/store/sqlite.js';
import { NOW, wireEvent } from '../../helpers/events.js';

function row(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return { ...toStoredEvent(wireEvent(), { receivedAt: NOW, batchSentAt: null }), ...overrides };
}

function manifest(overrides: Partial<StoredManifest> = {}): StoredManifest {
  return { deviceId: 'anon-1', at: NOW - 1_000, receivedAt: NOW, counts: { captured: 10, delivered: 8 }, lastSeq: 10, ...overrides };
}

/**
 * The schema of the first release (user_version 1), verbatim, to test upgrades from it. A copy on
 * purpose, not MIGRATIONS[0]: files made by that release hold exactly this, so an edit of step 1
 * in place (which the additive rule forbids) must make this test fail.
 */
const SCHEMA_V1 = `CREATE TABLE IF NOT EXISTS events (
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
   CREATE INDEX IF NOT EXISTS events_ts ON events (ts);`;

let dir: string;
let path: string;
const open: SqliteStore[] = [];
function openStore(p = path): SqliteStore {
  const s = createSqliteStore(p);
  open.push(s);
  return s;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'homing-sqlite-'));
  path = join(dir, 'a', 'b', 'events.sqlite');
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createSqliteStore', () => {
  it('creates the parent directories and a WAL-mode file at the current schema version', () => {
    openStore();
    expect(existsSync(path)).toBe(true);

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").pluck().all();
      // Time ranges go through events_by_time (v4), which begins with ts and replaced events_ts.
      expect(indexes).toEqual(expect.arrayContaining(['events_by_time', 'events_by_name']));
      expect(indexes).not.toContain('events_ts');
    } finally {
      db.close();
    }
  });

  it('reports inserted and duplicate ids per call', () => {
    const store = openStore();
    const a = row();
    const b = row();

    expect(store.insertBatch([a])).toEqual({ inserted: [a.messageId], duplicate: [] });
    expect(store.insertBatch([a, b])).toEqual({ inserted: [b.messageId], duplicate: [a.messageId] });
    expect(store.count()).toBe(2);
  });

  it('is atomic per call: a failing event rolls back the events before it', () => {
    const store = openStore();
    const good = row();
    // NOT NULL on `type`: the second insert of the transaction throws.
    const broken = row({ type: null as unknown as StoredEvent['type'] });

    expect(() => store.insertBatch([good, broken])).toThrow(/NOT NULL/);
    expect(store.count()).toBe(0);
    expect(store.getEvent(good.messageId)).toBeUndefined();

    // The store stays usable, and the good event alone goes in.
    expect(store.insertBatch([good]).inserted).toEqual([good.messageId]);
  });

  it('round-trips columns and payload through getEvent', () => {
    const store = openStore();
    const r = row();
    store.insertBatch([r]);

    // Read back, the event also lists the channels that saw it.
    expect(store.getEvent(r.messageId)).toEqual({ ...r, channels: ['browser'] });
  });

  it('keeps events across reopen, and reopening changes neither data nor schema version', () => {
    const first = openStore();
    const r = row();
    first.insertBatch([r]);
    first.close();

    const again = openStore();
    expect(again.count()).toBe(1);
    expect(again.insertBatch([r]).duplicate).toEqual([r.messageId]);
    again.close();

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('is readable by a separate read-only connection while it writes', () => {
    const store = openStore();
    store.insertBatch([row()]);
    const reader = new Database(path, { readonly: true });
    try {
      store.insertBatch([row()]);
      expect(reader.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2);
    } finally {
      reader.close();
    }
  });

  it('works in memory', () => {
    const store = openStore(':memory:');
    const r = row();
    store.insertBatch([r]);
    expect(store.count()).toBe(1);
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('closes idempotently', () => {
    const store = openStore();
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});

describe('loss manifests', () => {
  it('has a loss_manifests table (schema version 2)', () => {
    openStore();
    const db = new Database(path, { readonly: true });
    try {
      const columns = db.prepare("SELECT name FROM pragma_table_info('loss_manifests')").pluck().all();
      expect(columns).toEqual(['device_id', 'at', 'received_at', 'counts', 'last_seq']);
    } finally {
      db.close();
    }
  });

  it('stores a manifest with the batch and reads it back by device', () => {
    const store = openStore();
    const m = manifest();

    expect(store.insertBatch([row()], m)).toMatchObject({ manifest: 'stored' });

    expect(store.getManifest('anon-1')).toEqual(m);
    expect(store.getManifest('anon-2')).toBeUndefined();
  });

  it('answers without a manifest field when the call had none', () => {
    const store = openStore();
    expect(store.insertBatch([row()])).not.toHaveProperty('manifest');
  });

  it('keeps lastSeq null when the device did not send one', () => {
    const store = openStore();
    store.insertBatch([], manifest({ lastSeq: null }));
    expect(store.getManifest('anon-1')?.lastSeq).toBeNull();
  });

  it('stores a manifest that comes with no events', () => {
    const store = openStore();
    expect(store.insertBatch([], manifest())).toEqual({ inserted: [], duplicate: [], manifest: 'stored' });
    expect(store.getManifest('anon-1')).toBeDefined();
    expect(store.count()).toBe(0);
  });

  it('keeps the latest per device: a newer at replaces, an older one arriving late does not', () => {
    const store = openStore();
    const older = manifest({ at: NOW - 5_000, counts: { captured: 5 }, lastSeq: 5 });
    const newer = manifest({ at: NOW - 1_000, counts: { captured: 9, delivered: 9 }, lastSeq: 9, receivedAt: NOW + 1 });

    store.insertBatch([row()], older);
    expect(store.insertBatch([row()], newer).manifest).toBe('stored');
    expect(store.getManifest('anon-1')).toEqual(newer);

    // The older batch is resent after the newer one went through: its events are stored, its
    // manifest is not.
    const late = row();
    const result = store.insertBatch([late], { ...older, receivedAt: NOW + 2 });
    expect(result).toEqual({ inserted: [late.messageId], duplicate: [], manifest: 'stale' });
    expect(store.getManifest('anon-1')).toEqual(newer);
  });

  it('replaces a manifest with the same at (a resend refreshes receivedAt)', () => {
    const store = openStore();
    store.insertBatch([], manifest());
    expect(store.insertBatch([], manifest({ receivedAt: NOW + 500 })).manifest).toBe('stored');
    expect(store.getManifest('anon-1')?.receivedAt).toBe(NOW + 500);
  });

  it('keeps devices apart', () => {
    const store = openStore();
    store.insertBatch([], manifest({ deviceId: 'a', at: 2 }));
    store.insertBatch([], manifest({ deviceId: 'b', at: 1 }));
    expect(store.getManifest('a')?.at).toBe(2);
    expect(store.getManifest('b')?.at).toBe(1);
  });

  it('writes the manifest in the events transaction: a failing event rolls it back', () => {
    const store = openStore();
    const broken = row({ type: null as unknown as StoredEvent['type'] });

    expect(() => store.insertBatch([row(), broken], manifest())).toThrow(/NOT NULL/);

    expect(store.getManifest('anon-1')).toBeUndefined();
    expect(store.count()).toBe(0);
  });

  it('survives reopen', () => {
    const first = openStore();
    first.insertBatch([], manifest());
    first.close();
    expect(openStore().getManifest('anon-1')).toEqual(manifest());
  });

  it('upgrades a version 1 file in place, keeping its events', () => {
    const r = row();
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    const v1 = new Database(path);
    try {
      v1.pragma('journal_mode = WAL');
      v1.exec(SCHEMA_V1);
      v1.pragma('user_version = 1');
      v1.prepare('INSERT INTO events (message_id, type, ts, received_at, payload) VALUES (?, ?, ?, ?, ?)').run(
        r.messageId, 'track', r.ts, r.receivedAt, JSON.stringify(r.payload),
      );
    } finally {
      v1.close();
    }

    const store = openStore();

    expect(store.count()).toBe(1);
    expect(store.getEvent(r.messageId)?.payload).toEqual(r.payload);
    expect(store.insertBatch([r], manifest()).duplicate).toEqual([r.messageId]);
    expect(store.getManifest('anon-1')).toEqual(manifest());
    store.close();

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });
});

describe('schema version 3: channels, consent, profiles, erasure', () => {
  it('upgrades a version 2 file in place: old rows read as seen by their own channel', () => {
    const r = row();
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    const v2 = new Database(path);
    try {
      v2.exec(SCHEMA_V1);
      v2.exec(`CREATE TABLE loss_manifests (device_id TEXT PRIMARY KEY NOT NULL, at INTEGER NOT NULL, received_at INTEGER NOT NULL, counts TEXT NOT NULL, last_seq INTEGER);`);
      v2.pragma('user_version = 2');
      v2.prepare('INSERT INTO events (message_id, type, ts, received_at, channel, payload) VALUES (?, ?, ?, ?, ?, ?)').run(
        r.messageId, 'track', r.ts, r.receivedAt, 'browser', JSON.stringify(r.payload),
      );
    } finally {
      v2.close();
    }

    const store = openStore();

    expect(store.getEvent(r.messageId)?.channels).toEqual(['browser']);
    // A server copy arriving after the upgrade is recorded next to the old channel.
    expect(store.insertBatch([{ ...r, channel: 'server' }]).duplicate).toEqual([r.messageId]);
    expect(store.getEvent(r.messageId)?.channels).toEqual(['browser', 'server']);
    store.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
      expect(SQLITE_SCHEMA_VERSION).toBe(4);
      const columns = db.prepare("SELECT name FROM pragma_table_xinfo('events')").pluck().all();
      expect(columns).toEqual(expect.arrayContaining(['channels', 'consent']));
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").pluck().all()).toContain('events_user');
    } finally {
      db.close();
    }
  });

  it('stores a duplicate from another channel once and lists every channel that saw it, in order', () => {
    const store = openStore();
    const browser = row();
    store.insertBatch([browser]);

    expect(store.insertBatch([{ ...browser, channel: 'server' }])).toEqual({ inserted: [], duplicate: [browser.messageId] });
    expect(store.insertBatch([{ ...browser, channel: 'browser' }]).duplicate).toEqual([browser.messageId]);
    expect(store.insertBatch([{ ...browser, channel: 'pixel' }]).duplicate).toEqual([browser.messageId]);
    expect(store.insertBatch([{ ...browser, channel: 'server' }]).duplicate).toEqual([browser.messageId]);

    const stored = store.getEvent(browser.messageId)!;
    expect(stored.channel).toBe('browser');
    expect(stored.channels).toEqual(['browser', 'server', 'pixel']);
    expect(stored.payload).toEqual(browser.payload); // the first copy stays
    expect(store.count()).toBe(1);
  });

  it('keeps context.consent queryable through the consent column', () => {
    const store = openStore();
    const granted = row();
    granted.payload.context.consent = { analytics: true, marketing: false };
    store.insertBatch([granted, row()]);

    const db = new Database(path, { readonly: true });
    try {
      const q = "SELECT message_id FROM events WHERE json_extract(consent, '$.analytics') = 1";
      expect(db.prepare(q).pluck().all()).toEqual([granted.messageId]);
      expect(db.prepare('SELECT count(*) FROM events WHERE consent IS NULL').pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });

  it('merges identify traits into the profile; the later capture wins a trait even when it arrives first', () => {
    const store = openStore();
    const identify = (ts: number, traits: Record<string, unknown>) =>
      row({ type: 'identify', event: null, userId: 'u-1', ts, payload: { ...wireEvent({ type: 'identify', event: undefined, userId: 'u-1', traits }), receivedAt: '', originalTimestamp: '' } });

    store.insertBatch([identify(2_000, { plan: 'pro', name: 'Ada' })]);
    store.insertBatch([identify(1_000, { plan: 'free', email: 'ada@example.com' })]);
    store.insertBatch([identify(3_000, { name: 'Ada L.' })]);

    expect(store.getProfile('u-1')).toEqual({
      userId: 'u-1',
      traits: { plan: 'pro', name: 'Ada L.', email: 'ada@example.com' },
      firstSeen: 1_000,
      lastSeen: 3_000,
    });
    expect(store.getProfile('u-2')).toBeUndefined();
  });

  it('a resent identify call does not touch the profile again', () => {
    const store = openStore();
    const e = row({ type: 'identify', event: null, userId: 'u-1', payload: { ...wireEvent({ type: 'identify', event: undefined, userId: 'u-1', traits: { a: 1 } }), receivedAt: '', originalTimestamp: '' } });
    store.insertBatch([e]);
    store.insertBatch([row({ type: 'identify', event: null, userId: 'u-1', ts: e.ts + 1, payload: { ...e.payload, traits: { a: 2 } } })]);
    store.insertBatch([e]); // duplicate: ignored entirely

    expect(store.getProfile('u-1')?.traits).toEqual({ a: 2 });
  });
});

describe('openSqliteEngine.insertJobs (group commit)', () => {
  it('commits several requests in one transaction and answers each with its own duplicates', () => {
    const engine = openSqliteEngine(path);
    try {
      const a = row();
      const b = row();
      const results = engine.insertJobs([
        { rows: [toRowTuple(a), toRowTuple(b)] },
        // The same event through another channel, in the same group: a duplicate of the first job's.
        { rows: [toRowTuple({ ...a, channel: 'server' })] },
      ]);
      expect(results).toEqual([{ duplicates: [] }, { duplicates: [0] }]);
      expect(engine.getEvent(a.messageId)?.channels).toEqual(['browser', 'server']);
    } finally {
      engine.close();
    }
  });

  it('rolls the whole group back when one job fails', () => {
    const engine = openSqliteEngine(path);
    try {
      const good = toRowTuple(row());
      const broken = toRowTuple(row());
      broken[1] = null as unknown as string; // NOT NULL type
      expect(() => engine.insertJobs([{ rows: [good] }, { rows: [broken] }])).toThrow(/NOT NULL/);
      expect(engine.count()).toBe(0);
    } finally {
      engine.close();
    }
  });
});

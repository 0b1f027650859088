import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, SQLITE_SCHEMA_VERSION, type EventStore, type StoredEvent } from '../../../src/collector/index.js';
import { toStoredEvent } from '../../../src/collector/normalize.js';
import { NOW, wireEvent } from './harness.js';

function row(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return { ...toStoredEvent(wireEvent(), { receivedAt: NOW, batchSentAt: null }), ...overrides };
}

let dir: string;
let path: string;
const open: EventStore[] = [];
function openStore(p = path): EventStore {
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
      expect(indexes).toContain('events_ts');
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

    expect(store.getEvent(r.messageId)).toEqual(r);
    expect(r).toMatchObject({
      type: 'track',
      event: 'product_viewed',
      anonymousId: 'anon-1',
      seq: 1,
      sessionId: 'sess-1',
      channel: 'browser',
      utmSource: 'news',
      utmMedium: 'email',
      utmCampaign: 'spring',
      pagePath: '/p/1',
    });
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

/**
 * The client-compatibility suite's harness: a real collector process per test (the built
 * dist/collector/cli.js on a fresh SQLite file, through the integration tests' launcher), the
 * e2e fault proxy in front of it when a test needs faults, what the collector stored (read from
 * its SQLite file and its quality report), and `feature()`, which records each cell of
 * docs/compatibility.md for the reporter (compat-reporter.ts).
 */
import { test as base, expect, type TestInfo } from '@playwright/test';
import Database from 'better-sqlite3';
import { send, startCollector, type Collector, type Row } from '../helpers/collector.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.js';
import type { CallType, FeatureId } from './matrix.mjs';

/** A site's public write key (browser libraries). */
export const WRITE_KEY = 'wk_compat_site';
/** A server-to-server key: the Node libraries send it as their write key (Basic auth on /v1/batch). */
export const S2S_KEY = 's2s-compat-0123456789abcdef';
export const READ_KEY = 'read-compat-0123456789abcdef';

/** Generous: two cores shared by Chromium, the collector, the proxy and the test runner. */
export const DELIVERY_TIMEOUT_MS = 30_000;

/** A stored event with the columns the cells check beyond the integration tests' `Row`. */
export interface StoredRow extends Omit<Row, 'consent'> {
  ts: number;
  received_at: number;
  page_path: string | null;
}

export function storedRows(dbPath: string): StoredRow[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT message_id, type, event, user_id, anonymous_id, channel, channels, ts, received_at, page_path, payload FROM events ORDER BY rowid')
      .all() as Array<StoredRow & { payload: string }>;
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
  } finally {
    db.close();
  }
}

export function profileTraits(dbPath: string, userId: string): Record<string, unknown> | null {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT traits FROM profiles WHERE user_id = ?').get(userId) as { traits: string } | undefined;
    return row ? (JSON.parse(row.traits) as Record<string, unknown>) : null;
  } finally {
    db.close();
  }
}

/**
 * Polls the store until `done(rows)` holds, the time is over, or `giveUp()` says nothing more will
 * come (a library that reported its delivery failed); returns the rows (the caller asserts on them).
 */
export async function waitForRows(dbPath: string, done: (rows: StoredRow[]) => boolean, giveUp: () => boolean = () => false, ms = DELIVERY_TIMEOUT_MS): Promise<StoredRow[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const rows = storedRows(dbPath);
    if (done(rows) || giveUp() || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The quality report's count of events flagged by `rule` (read key), polled until it shows up or
 * the time is over. Pass the stored rows: without a track call stored there is nothing to wait for.
 */
export async function flaggedCount(c: Collector, rule: string, rows: StoredRow[]): Promise<number> {
  const ms = rows.some((r) => r.type === 'track') ? 10_000 : 0;
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await send(c.url, { path: '/v1/reports/quality', headers: { authorization: `Bearer ${READ_KEY}` } });
    const byRule: Array<{ rule: string; count: number }> = res.status === 200 ? (res.json().flagged?.byRule ?? []) : [];
    const n = byRule.find((r) => r.rule === rule)?.count ?? 0;
    if (n > 0 || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A collector for one test: s2s, write and read keys, and `--origins` naming the page's origin when there is a page. */
export async function startClientCollector(origin?: string): Promise<Collector> {
  return startCollector({
    args: ['--origins', origin ?? '*', '--read-keys', READ_KEY],
    env: { HOMING_S2S_KEYS: S2S_KEY, HOMING_WRITE_KEYS: WRITE_KEY },
  });
}

/** A fault proxy in front of `c` whose faults apply to every POST (whatever the library's path); preflights pass. */
export function startProxy(c: Collector): Promise<FaultyProxy> {
  return startFaultyProxy({ target: c.url, faultable: (method) => method === 'POST' });
}

/** What one test sent, per call type, to check against what was stored. */
export interface Expected {
  channel: 'browser' | 'server';
  library: string;
  /** The anonymousId of the anonymous calls (track, page, screen), when the test knows it. */
  anonymousId: string;
  userId: string;
  newUserId: string;
  /** The page path a page call's row must carry (`page_path`). */
  pagePath: string;
  /** Epoch ms before the first call. */
  startedAt: number;
}

export const TRACK = { event: 'Order Completed', properties: { order_id: 'o-1001', total: 42.5, currency: 'EUR', products: [{ product_id: 'sku-1', quantity: 2 }] } };
export const PAGE = { category: 'Docs', name: 'Pricing', properties: { plan_shown: 'pro' } };
export const SCREEN = { name: 'Home Screen', properties: { tab: 'deals' } };
export const TRAITS = { plan: 'pro', email: 'ada@example.com' };
export const GROUP = { groupId: 'g-acme', traits: { name: 'ACME', employees: 42 } };

/**
 * Soft assertions on the stored row of one call type: exactly one row of that type, with the
 * fields the call carried. The collector is fresh per test, so the test's rows are all there is.
 */
export function checkCall(call: CallType, rows: StoredRow[], x: Expected, dbPath: string): void {
  const mine = rows.filter((r) => r.type === call);
  expect.soft(mine.map((r) => r.type), `${call}: stored exactly once`).toEqual([call]);
  const row = mine[0];
  if (!row) return;
  const p = row.payload;
  expect.soft(row.channel, `${call}: channel`).toBe(x.channel);
  expect.soft(p.context?.library?.name, `${call}: context.library.name`).toBe(x.library);
  expect.soft(p, `${call}: writeKey is never stored`).not.toHaveProperty('writeKey');
  expect.soft(typeof p.originalTimestamp, `${call}: originalTimestamp kept`).toBe('string');
  expect.soft(row.ts, `${call}: timestamp not before the test`).toBeGreaterThanOrEqual(x.startedAt - 60_000);
  expect.soft(row.ts, `${call}: timestamp not after it was received`).toBeLessThanOrEqual(row.received_at + 60_000);
  expect.soft(row.received_at, `${call}: received during the test`).toBeGreaterThanOrEqual(x.startedAt - 1_000);
  switch (call) {
    case 'track':
      expect.soft([row.event, row.user_id, row.anonymous_id], 'track: name and ids (an empty userId is none)').toEqual([TRACK.event, null, x.anonymousId]);
      expect.soft(p.properties, 'track: properties').toMatchObject(TRACK.properties);
      break;
    case 'page':
      expect.soft([p.name, row.user_id, row.anonymous_id], 'page: name and ids').toEqual([PAGE.name, null, x.anonymousId]);
      expect.soft(p.properties, 'page: properties').toMatchObject(PAGE.properties);
      expect.soft(row.page_path, 'page: path').toBe(x.pagePath);
      break;
    case 'screen':
      expect.soft([p.name, row.user_id, row.anonymous_id], 'screen: name and ids').toEqual([SCREEN.name, null, x.anonymousId]);
      expect.soft(p.properties, 'screen: properties').toMatchObject(SCREEN.properties);
      break;
    case 'identify':
      expect.soft(row.user_id, 'identify: userId').toBe(x.userId);
      expect.soft(p.traits, 'identify: traits').toMatchObject(TRAITS);
      expect.soft(profileTraits(dbPath, x.userId), 'identify: the profile has the traits').toMatchObject(TRAITS);
      break;
    case 'group':
      expect.soft([p.groupId, row.user_id], 'group: groupId and userId').toEqual([GROUP.groupId, x.userId]);
      expect.soft(p.traits, 'group: traits').toMatchObject(GROUP.traits);
      break;
    case 'alias':
      expect.soft([row.user_id, p.previousId], 'alias: userId and previousId').toEqual([x.newUserId, x.userId]);
      break;
  }
}

/**
 * Runs one feature's checks as a step and records its cell: `pass` when the step added no error
 * (soft assertions included) and did not throw. A thrown error is recorded and kept for the end
 * of the test (the `compat` fixture fails the test with it), so the other features still run.
 */
export async function feature(testInfo: TestInfo, client: string, id: FeatureId, fn: () => Promise<void> | void): Promise<boolean> {
  const before = testInfo.errors.length;
  let thrown: unknown = null;
  try {
    await base.step(`${client}: ${id}`, async () => {
      await fn();
    });
  } catch (err) {
    thrown = err;
    pending.get(testInfo)?.push(err);
  }
  const errors = testInfo.errors.slice(before).map((e) => e.message ?? String(e));
  if (thrown) errors.push(thrown instanceof Error ? thrown.message : String(thrown));
  const outcome = errors.length === 0 ? 'pass' : 'fail';
  const detail = errors.length ? firstLine(errors[0]) : undefined;
  testInfo.annotations.push({ type: 'compat', description: JSON.stringify({ client, feature: id, outcome, detail }) });
  return outcome === 'pass';
}

function firstLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  return plain.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
}

const pending = new WeakMap<TestInfo, unknown[]>();

/** `test` with a `compat` fixture: errors thrown inside `feature()` fail the test at its end. */
export const test = base.extend<{ compat: void }>({
  compat: [
    async ({}, use, testInfo) => {
      const errors: unknown[] = [];
      pending.set(testInfo, errors);
      await use();
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n---\n'));
    },
    { auto: true },
  ],
});

export { expect };

/** Runs `fn` with a collector and stops it afterwards, whatever happens. */
export async function withCollector<T>(origin: string | undefined, fn: (c: Collector) => Promise<T>): Promise<T> {
  const c = await startClientCollector(origin);
  try {
    return await fn(c);
  } finally {
    await c.dispose();
  }
}

/** The proxy's records of one fault and of the first answered request after it. */
export async function faultThenResend(proxy: FaultyProxy, fault: 'cut' | 'status', ms = DELIVERY_TIMEOUT_MS) {
  const faulted = await proxy.waitForRequest((r) => r.source === 'one-shot' && (fault === 'cut' ? r.outcome === 'cut' : r.outcome === 'answered'), ms);
  const resent = await proxy.waitForRequest((r) => r.source === 'default' && r.at >= faulted.at && r.outcome === 'answered', ms);
  return { faulted, resent };
}

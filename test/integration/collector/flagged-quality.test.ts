/**
 * Flagged events (stored, but breaking a convention their sender's policy flags: observe.ts) through
 * both engines: the quality recorder's counters written to a real SQLite file and a real
 * ClickHouse, read back by each engine's report source into the same quality report, and the audit
 * command reading either database checks `--max-flagged-rate`. Then end to end: a Segment-style
 * event name from a library that is not Homing's, posted to /v1/batch of a collector on each
 * engine, is stored and counted under `event-name`.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/collector/audit/audit.js';
import type { FlagRule, IngestOutcome } from '../../../src/collector/observe.js';
import { qualityReport } from '../../../src/collector/reports/answers.js';
import { createQualityRecorder } from '../../../src/collector/reports/quality-recorder.js';
import { createKeyRing } from '../../../src/collector/keys.js';
import { createCollector } from '../../../src/collector/server.js';
import type { ReportSource } from '../../../src/collector/reports/source.js';
import { createClickHouseStore, type ClickHouseStore } from '../../../src/collector/store/clickhouse.js';
import { createClickHouseReportSource } from '../../../src/collector/store/clickhouse-reports.js';
import { parseClickHouseUrl } from '../../../src/collector/store/clickhouse-url.js';
import { createSqliteStore, type SqliteStore } from '../../../src/collector/store/sqlite.js';
import { openSqliteReportSource } from '../../../src/collector/store/sqlite-reports.js';
import type { QualityReport } from '../../../src/shared/reports.js';
import { newId } from '../../helpers/events.js';
import { openSse } from '../../helpers/sse-client.js';
import { startBothEngines, type BothEngines } from '../../helpers/both-engines.js';

const READ = 'read-flagged-0123456789abcdef';
const T0 = Date.UTC(2026, 10, 2, 10);
const FROM = T0 - 3_600_000;
const TO = T0 + 3 * 3_600_000;

const flag = (messageId: string, index: number, ...rules: FlagRule[]) => ({ messageId, index, rules });
const outcome = (o: Partial<IngestOutcome> & Pick<IngestOutcome, 'receivedAt'>): IngestOutcome => ({
  channel: 'browser', items: [], accepted: [], duplicate: [], rejected: [], ...o,
});

/** 7 events stored, 5 of them flagged (one under two rules), a resend, a rejection, a failed request. */
const OUTCOMES: IngestOutcome[] = [
  outcome({
    receivedAt: T0 + 5_000,
    accepted: ['a', 'b', 'c', 'd'],
    duplicate: ['x'],
    rejected: [{ index: 5, messageId: '', code: 'invalid-event', reason: 'an event must be a JSON object' }],
    flagged: [flag('a', 0, 'event-name'), flag('b', 1, 'event-name', 'property-name'), flag('c', 2, 'site-schema')],
  }),
  outcome({ receivedAt: T0 + 70_000, channel: 'server', accepted: ['e', 'f'], flagged: [flag('e', 0, 'event-name')] }),
  outcome({ receivedAt: T0 + 2 * 3_600_000, accepted: ['g'], flagged: [flag('g', 0, 'property-name')] }),
  // The store failed: nothing was stored, nothing flagged.
  outcome({ receivedAt: T0 + 9_000, flagged: [flag('h', 0, 'event-name')], failed: { code: 'store-unavailable', reason: 'x' } }),
];

let engines: BothEngines | undefined;
let sources: ReportSource[] = [];

beforeAll(async () => {
  engines = await startBothEngines('flagged');
  for (const store of [engines.sqliteStore, engines.chStore]) {
    const recorder = createQualityRecorder({ write: (counts) => store.addQualityCounts!(counts), onError: (err) => { throw err; }, flushMs: 3_600_000 });
    for (const o of OUTCOMES) recorder.listener(o);
    await recorder.close();
  }
  sources = engines.openSources();
}, 120_000);

afterAll(async () => {
  await engines?.close();
}, 60_000);

const reports = (from: number, to: number) => Promise.all(sources.map((s) => qualityReport(s, { from, to, tz: 'UTC' })));

describe('flagged events in the quality report, on SQLite and on ClickHouse', () => {
  it('counts the events flagged, their share of the events stored, and each rule, the same on both engines', async () => {
    const [sqlite, ch] = await reports(FROM, TO);
    expect(ch).toEqual(sqlite);
    expect(sqlite.flagged).toEqual({
      total: 5,
      rate: 5 / 7,
      byRule: [{ rule: 'event-name', count: 3 }, { rule: 'property-name', count: 2 }, { rule: 'site-schema', count: 1 }],
    });
    // Flagged events are stored ones: rejected and duplicates are over the 9 copies received.
    expect(sqlite.rejected).toEqual({ total: 1, rate: 1 / 9, byReason: [{ code: 'invalid-event', count: 1 }] });
    expect(sqlite.duplicates).toEqual({ total: 1, rate: 1 / 9, byChannel: { browser: 1 } });
  });

  it('counts them by minute of receipt, like rejections', async () => {
    const [sqlite, ch] = await reports(T0, T0 + 3_600_000);
    expect(ch).toEqual(sqlite);
    expect(sqlite.flagged).toEqual({
      total: 4,
      rate: 4 / 6,
      byRule: [{ rule: 'event-name', count: 3 }, { rule: 'property-name', count: 1 }, { rule: 'site-schema', count: 1 }],
    });
    const [later] = await reports(T0 + 3_600_000, TO);
    expect(later.flagged).toEqual({ total: 1, rate: 1, byRule: [{ rule: 'property-name', count: 1 }] });
  });
});

async function audit(db: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const text = { stdout: '', stderr: '' };
  const sink = (name: 'stdout' | 'stderr') => new Writable({ write(chunk, _enc, done) { text[name] += String(chunk); done(); } });
  const code = await runAudit(['--db', db, '--from', String(FROM), '--to', String(TO), '--max-missing-rate', '1', ...args], {
    stdout: sink('stdout'), stderr: sink('stderr'), env: {},
  });
  return { code, ...text };
}

describe('homing-collector audit --max-flagged-rate', () => {
  it('fails above the maximum, on either engine, and prints flagged events by rule', async () => {
    for (const db of [engines!.sqlitePath, engines!.clickhouse.dbUrl('flagged')]) {
      const r = await audit(db, '--max-flagged-rate', '0.5');
      expect([r.code, r.stderr], db).toEqual([1, '']);
      expect(r.stdout).toMatch(/^flagged rate\s+71\.43 %\s+50\.00 %\s+FAILED$/m);
      expect(r.stdout).toMatch(/^flagged\s+5 \(71\.43 % of stored\): event-name 3, property-name 2, site-schema 1$/m);
      expect(r.stdout).toMatch(/FAILED: flagged rate 71\.43 % is above 50\.00 %\n$/);
    }
  });

  it('passes under it, and is not checked without it; the report in --json is the report API\'s', async () => {
    const [sqlite] = await reports(FROM, TO);
    for (const db of [engines!.sqlitePath, engines!.clickhouse.dbUrl('flagged')]) {
      const r = await audit(db, '--max-flagged-rate', '0.8', '--json');
      expect(r.code, db).toBe(0);
      const out = JSON.parse(r.stdout) as { passed: boolean; checks: { name: string; max: number | null }[]; report: QualityReport };
      expect(out.passed).toBe(true);
      // Scanned in three hour-long chunks: the counters merge exactly.
      expect(out.report.flagged).toEqual(sqlite.flagged);
      expect(out.checks.find((c) => c.name === 'flagged rate')?.max).toBe(0.8);
      const unchecked = await audit(db);
      expect(unchecked.code).toBe(0);
      expect(unchecked.stdout).toMatch(/^flagged rate\s+71\.43 %\s+-\s+-$/m);
    }
  });
});

describe('a Segment-style name from another library, end to end', () => {
  let stores: [SqliteStore, ClickHouseStore];
  let readers: ReportSource[] = [];

  beforeAll(async () => {
    stores = [createSqliteStore(join(engines!.dir, 'end-to-end.sqlite')), await createClickHouseStore(parseClickHouseUrl(engines!.clickhouse.dbUrl('flagged_e2e')), { batchMs: 5 })];
    readers = [openSqliteReportSource(join(engines!.dir, 'end-to-end.sqlite')), createClickHouseReportSource({ client: stores[1].client, database: stores[1].database })];
  }, 60_000);

  afterAll(async () => {
    for (const r of readers) await r.close();
    stores?.[0].close();
    await stores?.[1].close();
  });

  it('is stored, shown flagged in the live view, and the quality report counts it under event-name, not rejected', async () => {
    const now = Date.now();
    // As analytics-node sends it: no channel, no Homing context.
    const order = {
      type: 'track',
      event: 'Order Completed',
      messageId: newId(),
      anonymousId: 'segment-device',
      timestamp: new Date(now).toISOString(),
      properties: { order_id: 'o-1', total: 27.5 },
      context: { library: { name: 'analytics-node', version: '2.1.0' } },
    };
    const snake = { ...order, event: 'order_completed', messageId: newId() };
    for (const store of stores) {
      const app = createCollector({ store, origins: '*', keys: createKeyRing([{ kind: 'read', key: READ, label: 'test' }]) });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const live = await openSse(url, '/v1/live?device=segment-device', { authorization: `Bearer ${READ}` });
      try {
        await live.waitFor((m) => m.event === 'ready');
        const res = await fetch(`${url}/v1/batch`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ batch: [order, snake] }),
        });
        const body = (await res.json()) as { accepted: string[]; rejected: unknown[] };
        expect([res.status, body.accepted, body.rejected]).toEqual([200, [order.messageId, snake.messageId], []]);
        const seen = await live.waitFor((m) => m.event === 'ingest', 2);
        expect(seen.map((m) => [m.data.event, m.data.result, m.data.flagged])).toEqual([
          ['Order Completed', 'accepted', ['event-name']], ['order_completed', 'accepted', undefined],
        ]);
      } finally {
        live.close();
        // Closing writes the quality counters.
        await app.close();
      }
      expect(await store.count()).toBe(2);
    }
    const [sqlite, ch] = await Promise.all(readers.map((r) => qualityReport(r, { from: now - 3_600_000, to: now + 3_600_000, tz: 'UTC' })));
    // Each engine's collector stamped its own receipt times: compare the counters, not the latencies.
    for (const report of [sqlite, ch]) {
      expect(report.flagged).toEqual({ total: 1, rate: 1 / 2, byRule: [{ rule: 'event-name', count: 1 }] });
      expect(report.rejected).toEqual({ total: 0, rate: 0, byReason: [] });
      expect(report.duplicates.total).toBe(0);
    }
  });
});

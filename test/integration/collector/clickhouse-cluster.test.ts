/**
 * Two real collector processes (dist/collector/cli.js: build first) on one real ClickHouse, as
 * behind a load balancer: the same events through both, with the retries a load balancer causes
 * (the same batch to both nodes at once, a batch resent after its answer, a server copy through
 * /v1/s2s on the other node), keys from one shared keys file, and a ClickHouse outage answered 503.
 * Whatever the path, the stored distinct count is exact and the channels are merged, and the
 * reports of either node count each event once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseStore, type ClickHouseStore } from '../../../src/collector/store/clickhouse.js';
import { parseClickHouseUrl } from '../../../src/collector/store/clickhouse-url.js';
import type { WireEvent } from '../../../src/shared/event.js';
import { CLICKHOUSE_TEST_USER, startClickHouse, type ClickHouseServer } from '../../helpers/clickhouse.js';
import { runCollectorCli, startCollector, type Collector } from '../../helpers/collector.js';
import { freePort } from '../../helpers/ports.js';
import { wireEvent } from '../../helpers/events.js';

const WRITE_KEY = 'wk_cluster_test';
const S2S_KEY = 's2s-cluster-0123456789abcdef';
const ADMIN_KEY = 'admin-cluster-0123456789abcdef';
const READ_KEY = 'read-cluster-0123456789abcdef';

let clickhouse: ClickHouseServer;
let dir: string;
let dbUrl: string;
let nodes: Collector[] = [];
let reader: ClickHouseStore;

interface Answer {
  accepted: string[];
  duplicate: string[];
  rejected: unknown[];
}

async function post(node: Collector, path: string, batch: WireEvent[], key: string): Promise<{ status: number; body: Answer & { error?: string }; retryAfter: string | null }> {
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
  });
  return { status: res.status, body: (await res.json()) as Answer & { error?: string }, retryAfter: res.headers.get('retry-after') };
}

const ids = (batch: WireEvent[]) => batch.map((e) => e.messageId);
/** Events captured now (the ids' time is now), so they are not refused as too old. */
const newBatch = (n: number) => Array.from({ length: n }, (_, i) => wireEvent({ timestamp: new Date().toISOString(), anonymousId: `device-${i % 7}` }));

beforeAll(async () => {
  clickhouse = await startClickHouse();
  dir = mkdtempSync(join(tmpdir(), 'homing-cluster-'));
  const keysFile = join(dir, 'keys');
  // One keys file for every node: keys are configuration, not node state.
  writeFileSync(keysFile, `write ${WRITE_KEY} shop\ns2s ${S2S_KEY} backend\nadmin ${ADMIN_KEY} ops\nread ${READ_KEY} dashboard\n`);
  const url = new URL(clickhouse.dbUrl('cluster'));
  url.username = CLICKHOUSE_TEST_USER.user;
  url.password = CLICKHOUSE_TEST_USER.password;
  dbUrl = url.href;
  for (let i = 0; i < 2; i++) {
    nodes.push(await startCollector({ port: await freePort(), dbPath: dbUrl, origins: '*', args: ['--keys-file', keysFile, '--ch-batch-ms', '20'] }));
  }
  reader = await createClickHouseStore(parseClickHouseUrl(dbUrl));
}, 120_000);

afterAll(async () => {
  for (const n of nodes) await n.stop();
  nodes = [];
  await reader?.close();
  await clickhouse?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('two collector processes on one ClickHouse', () => {
  it('never prints the ClickHouse password', () => {
    for (const n of nodes) {
      expect(n.output()).toContain(`clickhouse://${CLICKHOUSE_TEST_USER.user}:***@`);
      expect(n.output()).not.toContain(CLICKHOUSE_TEST_USER.password);
    }
  });

  it('stores each event once whichever node, and however often, it arrives through', async () => {
    const [a, b] = nodes;
    const batches = Array.from({ length: 10 }, () => newBatch(100));

    // A load balancer retrying on the other node while the first is still answering: the same
    // batch to both at once. Each node answers every event; together they accept all of them.
    const raced = await Promise.all(batches.map((batch) => Promise.all([post(a, '/v1/batch', batch, WRITE_KEY), post(b, '/v1/batch', batch, WRITE_KEY)])));
    const accepted = new Set<string>();
    for (const [i, pair] of raced.entries()) {
      for (const r of pair) {
        expect(r.status).toBe(200);
        expect(r.body.rejected).toEqual([]);
        expect(new Set([...r.body.accepted, ...r.body.duplicate])).toEqual(new Set(ids(batches[i])));
        r.body.accepted.forEach((id) => accepted.add(id));
      }
    }
    expect(accepted.size).toBe(1_000);

    // A resend after the answer (the ack was lost), through either node: all duplicate.
    for (const [i, batch] of batches.entries()) {
      const r = await post(i % 2 === 0 ? a : b, '/v1/batch', batch, WRITE_KEY);
      expect(r.body).toEqual({ accepted: [], duplicate: ids(batch), rejected: [] });
    }

    // The site's server sends its copy of the first 100 events, plus 50 of its own, through the
    // other node with the shared s2s key.
    const serverOnly = newBatch(50);
    const s2s = await post(b, '/v1/s2s', [...batches[0], ...serverOnly], S2S_KEY);
    expect(s2s.status).toBe(200);
    expect(s2s.body.duplicate).toEqual(ids(batches[0]));
    expect(s2s.body.accepted).toEqual(ids(serverOnly));

    expect(await reader.count()).toBe(1_050);
    const final = await (await reader.client.query({ query: 'SELECT count() AS n FROM cluster.events FINAL', format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(final[0].n)).toBe(1_050);
    for (const id of ids(batches[0]).slice(0, 10)) expect((await reader.getEvent(id))?.channels).toEqual(['browser', 'server']);
    expect((await reader.getEvent(serverOnly[0].messageId))?.channels).toEqual(['server']);
  });

  it('reports each event once from either node, with the duplicates of both nodes counted', async () => {
    const now = Date.now();
    const range = `from=${now - 3_600_000}&to=${now + 3_600_000}`;
    const read = async <T>(node: Collector, path: string): Promise<T> => {
      const res = await fetch(`${node.url}${path}`, { headers: { authorization: `Bearer ${READ_KEY}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    };
    type Quality = { duplicates: { total: number; rate: number; byChannel: Record<string, number> } };
    // Each node writes its ingest counters about once a second: wait until both nodes' are in.
    // 2,000 raced + 1,000 resent + 150 server copies were received.
    let quality: Quality[] = [];
    for (let tries = 0; tries < 100; tries++) {
      quality = await Promise.all(nodes.map((n) => read<Quality>(n, `/v1/reports/quality?${range}`)));
      if (quality.every((q) => q.duplicates.rate > 0 && Math.round(q.duplicates.total / q.duplicates.rate) === 3_150)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(quality[1]).toEqual(quality[0]);
    expect(Math.round(quality[0].duplicates.total / quality[0].duplicates.rate)).toBe(3_150);
    // At most the raced copies were accepted twice; the resends and the 100 server copies never.
    expect(quality[0].duplicates.total).toBeGreaterThanOrEqual(1_100);
    expect(quality[0].duplicates.byChannel.server).toBe(100);

    // The audit command reads the same database: the same duplicates, a pass (the password from the URL, never printed).
    const audit = await runCollectorCli(['audit', '--db', dbUrl, '--from', String(now - 3_600_000), '--to', String(now + 3_600_000), '--json', '--max-duplicate-rate', '1', '--max-missing-rate', '1']);
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.stdout) as { report: Quality }).report.duplicates).toEqual(quality[0].duplicates);

    for (const n of nodes) {
      const events = await read<{ totals: { events: number }; series: { event: string; total: number }[] }>(n, `/v1/reports/events?${range}&bucket=minute`);
      expect(events.totals.events).toBe(1_050);
      expect(events.series.map((s) => [s.event, s.total])).toEqual([['product_viewed', 1_050]]);
      const top = await read<{ events: unknown[] }>(n, `/v1/reports/top-events?${range}`);
      expect(top.events).toEqual([{ event: 'product_viewed', count: 1_050, devices: 7 }]);
    }
  });

  it('takes the keys of the shared file on both nodes, and refuses others on both', async () => {
    for (const n of nodes) {
      expect((await post(n, '/v1/batch', newBatch(1), 'wk_not_a_key')).status).toBe(401);
      expect((await post(n, '/v1/s2s', newBatch(1), `${S2S_KEY}x`)).status).toBe(401);
      const stats = await fetch(`${n.url}/v1/stats`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(stats.status).toBe(200);
    }
  });

  it('answers 503 with Retry-After on every node while ClickHouse is down, so clients resend', async () => {
    await clickhouse.stop();
    for (const n of nodes) {
      const r = await post(n, '/v1/batch', newBatch(5), WRITE_KEY);
      expect(r.status).toBe(503);
      expect(r.retryAfter).toBe('5');
      expect(r.body).toMatchObject({ error: 'store-unavailable' });
    }
  }, 60_000);
});

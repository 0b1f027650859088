/**
 * `--schemas`: a site's event schemas (homing-schemas' input files) checked by a real collector
 * process, by policy: Homing's own events refused, other libraries' stored and flagged. A schema the
 * collector cannot compile stops its start.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { ADMIN_KEY, postJson, readRows, runCollectorCli, startCollector, stats, type Collector } from '../../helpers/collector.js';

const dir = mkdtempSync(join(tmpdir(), 'homing-schemas-'));
writeFileSync(join(dir, 'purchase.json'), JSON.stringify({ type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' } } }));

let c: Collector;
beforeAll(async () => {
  c = await startCollector({ args: ['--schemas', dir], env: { HOMING_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await c?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('--schemas', () => {
  it("refuses Homing's own event that fails its schema, flags another library's, stores the good ones", async () => {
    const good = wireEvent({ event: 'purchase', properties: { order_id: 'o-1' } });
    const own = wireEvent({ event: 'purchase', properties: { total: 3 } });
    const other = { ...wireEvent({ event: 'purchase', properties: { total: 3 } }), context: { library: { name: 'analytics.js', version: '1' } } };
    const res = await postJson(c.url, '/v1/batch', { batch: [good, own, other] });
    expect(res.json()).toEqual({
      accepted: [good.messageId, other.messageId],
      duplicate: [],
      rejected: [{ messageId: own.messageId, code: 'invalid-properties', reason: 'purchase: /properties/order_id is required', index: 1 }],
    });
    expect(readRows(c.dbPath, 'message_id = ?', own.messageId)).toEqual([]);
    expect(await stats(c)).toMatchObject({ eventsAccepted: 2, eventsRejected: 1, eventsFlagged: 1 });
  });
});

it('exits 2 naming the file when a schema does not compile', async () => {
  const bad = mkdtempSync(join(tmpdir(), 'homing-schemas-bad-'));
  writeFileSync(join(bad, 'purchase.json'), JSON.stringify({ type: 'object', required: 'order_id' }));
  try {
    // Had it started listening instead of exiting, runCollectorCli stops it after its timeout.
    const { code, stderr } = await runCollectorCli(['--port', '0', '--db', join(bad, 'c.sqlite'), '--schemas', bad], { timeoutMs: 20_000 });
    expect(code).toBe(2);
    expect(stderr).toContain('purchase.json');
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
}, 30_000);

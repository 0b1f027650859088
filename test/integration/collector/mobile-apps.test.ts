/**
 * Segment's mobile libraries (analytics-swift, analytics-kotlin, analytics-react-native) against a
 * real collector process: each batch upload byte for byte as the library frames it (Kotlin's
 * gzipped and chunked), at `/v1/b` and at `/b`. The shapes come from the libraries' sources
 * (fixtures/mobile-batches.ts); no Swift or Kotlin toolchain runs here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRows, send, startCollector, type Collector, type RawResponse } from '../../helpers/collector.js';
import { MOBILE_BATCH_BUILDERS, type MobileBatchRequest, type MobileSdk } from './fixtures/mobile-batches.js';

const WRITE_KEY = 'wk_mobile_app';

let c: Collector;
beforeAll(async () => {
  c = await startCollector({ env: { HOMING_WRITE_KEYS: WRITE_KEY } });
});
afterAll(async () => {
  await c?.dispose();
});

/** Sends the upload as the library's HTTP stack would: chunked when it streams (OkHttp sends a file so), else with a length. */
function upload(req: MobileBatchRequest): Promise<RawResponse> {
  const half = Math.floor(req.payload.length / 2);
  const headers: Record<string, string | number> = req.chunked ? req.headers : { ...req.headers, 'content-length': req.payload.length };
  const body = req.chunked ? [req.payload.subarray(0, half), req.payload.subarray(half)] : req.payload;
  return send(c.url, { method: req.method, path: req.path, headers, body });
}

describe.each(Object.keys(MOBILE_BATCH_BUILDERS) as MobileSdk[])('%s', (sdk) => {
  it.each(['/v1', ''])('stores each call of a batch posted to %s/b once, on the app channel, and a resend as duplicates', async (basePath) => {
    const req = MOBILE_BATCH_BUILDERS[sdk]({ writeKey: WRITE_KEY, basePath });
    const ids = req.body.batch.map((e) => e.messageId);

    const first = await upload(req);
    expect(first.status, first.text).toBe(200);
    expect(first.json()).toEqual({ accepted: ids, duplicate: [], rejected: [] });
    // A lost answer: the library uploads the same file again.
    const again = await upload(req);
    expect(again.json()).toEqual({ accepted: [], duplicate: ids, rejected: [] });

    const rows = readRows(c.dbPath, `message_id IN (${ids.map(() => '?').join(', ')})`, ...ids);
    expect(rows.map((r) => [r.type, r.event])).toEqual([
      ['track', 'Application Opened'],
      ['screen', null],
      ['track', 'product_viewed'],
      ['identify', null],
      ['group', null],
      ['alias', null],
    ]);
    for (const row of rows) {
      expect(row.channel).toBe('app');
      expect(row.payload).not.toHaveProperty('writeKey');
    }
    const [, screen, , identify, group, alias] = rows;
    expect(screen.payload).toMatchObject({ name: 'Home', properties: { tab: 'featured' } });
    expect(identify).toMatchObject({ user_id: 'user-4711', payload: { traits: { email: 'ada@example.com', plan: 'pro' } } });
    expect(group.payload).toMatchObject({ groupId: 'org-7' });
    expect(alias).toMatchObject({ user_id: 'user-4711-merged', payload: { previousId: 'user-4711' } });
    // The device's time is kept as originalTimestamp; timestamp is within a few seconds of receipt.
    const sent = req.body.batch[0].timestamp;
    expect(rows[0].payload.originalTimestamp).toBe(sent);
    expect(Math.abs(Date.parse(rows[0].payload.timestamp as string) - Date.parse(rows[0].payload.receivedAt as string))).toBeLessThan(60_000);
  });
});

it('refuses a mobile batch with a wrong write key (401), storing nothing', async () => {
  const req = MOBILE_BATCH_BUILDERS['analytics-kotlin']({ writeKey: 'wk_wrong' });
  expect((await upload(req)).status).toBe(401);
  expect(readRows(c.dbPath, 'message_id = ?', req.body.batch[0].messageId)).toEqual([]);
});

it('serves the settings the libraries fetch at start, naming the collector as their host', async () => {
  const target = new URL(c.url);
  const res = await fetch(`${c.url}/v1/projects/${WRITE_KEY}/settings`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ integrations: { 'Segment.io': { apiKey: WRITE_KEY, apiHost: `${target.host}/v1` } } });
});

/**
 * A real third-party client: Segment's own server library (@segment/analytics-node), pointed at a
 * real collector process. Its events are stored, and deduplicated against the browser's copies.
 */
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, wireEvent } from '../../helpers/events.js';
import { postJson, readRows, startCollector, type Collector } from '../../helpers/collector.js';

const S2S_KEY = 's2s-segment-0123456789abcdef';
const WRITE_KEY = 'wk_segment_site';

let c: Collector;
beforeAll(async () => {
  c = await startCollector({ env: { HOMING_S2S_KEYS: S2S_KEY, HOMING_WRITE_KEYS: WRITE_KEY } });
});
afterAll(async () => {
  await c?.dispose();
});

function client(writeKey: string, path: string): { analytics: Analytics; errors: unknown[]; statuses: number[] } {
  const analytics = new Analytics({ writeKey, host: c.url, path, flushAt: 50, flushInterval: 50, maxRetries: 1 });
  const errors: unknown[] = [];
  const statuses: number[] = [];
  analytics.on('error', (err) => errors.push(err));
  analytics.on('http_response', (res) => statuses.push(res.status));
  return { analytics, errors, statuses };
}

describe('@segment/analytics-node against the collector', () => {
  it('delivers track, identify and page to /v1/s2s with its Basic auth; they are stored on the server channel', async () => {
    const { analytics, errors, statuses } = client(S2S_KEY, '/v1/s2s');
    const ids = { track: newId(), identify: newId(), page: newId() };

    analytics.track({ userId: 'seg-user', event: 'order_completed', properties: { total: 42.5, currency: 'EUR' }, messageId: ids.track });
    analytics.identify({ userId: 'seg-user', traits: { plan: 'pro' }, messageId: ids.identify });
    analytics.page({ anonymousId: 'seg-anon', name: 'Pricing', properties: { path: '/pricing' }, messageId: ids.page });
    await analytics.closeAndFlush({ timeout: 10_000 });

    expect(errors).toEqual([]);
    expect(statuses).toEqual([200]);
    const rows = readRows(c.dbPath, 'message_id IN (?, ?, ?)', ids.track, ids.identify, ids.page);
    expect(rows.map((r) => [r.message_id, r.type, r.channel])).toEqual([
      [ids.track, 'track', 'server'],
      [ids.identify, 'identify', 'server'],
      [ids.page, 'page', 'server'],
    ]);
    const track = rows[0].payload;
    expect(track).toMatchObject({ event: 'order_completed', userId: 'seg-user', properties: { total: 42.5, currency: 'EUR' } });
    expect(track.context.library.name).toBe('@segment/analytics-node');
    expect(track).not.toHaveProperty('writeKey');
  });

  it("deduplicates its copy of an event the browser already sent (same messageId), recording both channels", async () => {
    const browser = wireEvent({ userId: 'seg-user', event: 'order_completed' });
    expect((await postJson(c.url, '/v1/batch', { batch: [browser], writeKey: WRITE_KEY })).json().accepted).toEqual([browser.messageId]);

    const { analytics, errors } = client(S2S_KEY, '/v1/s2s');
    analytics.track({ userId: 'seg-user', event: 'order_completed', properties: { total: 1 }, messageId: browser.messageId });
    analytics.track({ userId: 'seg-user', event: 'order_completed', properties: { total: 1 }, messageId: browser.messageId });
    await analytics.closeAndFlush({ timeout: 10_000 });

    expect(errors).toEqual([]);
    const rows = readRows(c.dbPath, 'message_id = ?', browser.messageId);
    expect(rows).toHaveLength(1);
    expect(rows[0].channels).toBe('browser,server');
    expect(rows[0].payload.properties).toEqual(browser.properties);
  });

  it('also works as a plain SDK on /v1/batch with a write key, and is refused (no retry storm) with a wrong one', async () => {
    const good = client(WRITE_KEY, '/v1/batch');
    const id = newId();
    good.analytics.track({ anonymousId: 'seg-anon', event: 'signed_up', messageId: id });
    await good.analytics.closeAndFlush({ timeout: 10_000 });
    expect(good.errors).toEqual([]);
    expect(readRows(c.dbPath, 'message_id = ?', id)).toHaveLength(1);

    const bad = client('wk_not_configured', '/v1/batch');
    const lost = newId();
    bad.analytics.track({ anonymousId: 'seg-anon', event: 'signed_up', messageId: lost });
    await bad.analytics.closeAndFlush({ timeout: 10_000 });
    expect(bad.statuses).toEqual([401]);
    expect(readRows(c.dbPath, 'message_id = ?', lost)).toHaveLength(0);
  });
});

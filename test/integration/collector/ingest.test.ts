/**
 * The ingest endpoints of a real collector process: dedup across the three channels, receipts of a
 * mixed batch, gzip and text/plain bodies, the singles.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, wireEvent } from '../../helpers/events.js';
import { ADMIN_KEY, postJson, readRows, send, startCollector, stats, type Collector } from '../../helpers/collector.js';

const S2S_KEY = 's2s-key-0123456789abcdef';

let c: Collector;
beforeAll(async () => {
  c = await startCollector({ env: { HOMING_S2S_KEYS: S2S_KEY, HOMING_ADMIN_KEY: ADMIN_KEY } });
});
afterAll(async () => {
  await c?.dispose();
});

describe('a real collector process', () => {
  it('stores an event seen by the browser, the server and the pixel once, and records the three channels', async () => {
    const id = newId();
    const browser = wireEvent({ messageId: id, userId: 'u-1' });

    const first = await postJson(c.url, '/v1/batch', { batch: [browser], sentAt: new Date().toISOString() });
    const server = await postJson(c.url, '/v1/s2s', { ...browser, properties: { copy: 'server' } }, { authorization: `Bearer ${S2S_KEY}` });
    const pixel = await send(c.url, { path: `/p.gif?e=product_viewed&mid=${id}&uid=u-1` });
    const again = await postJson(c.url, '/v1/batch', { batch: [browser] });

    expect(first.json()).toEqual({ accepted: [id], duplicate: [], rejected: [] });
    expect(server.json()).toEqual({ accepted: [], duplicate: [id], rejected: [] });
    expect(pixel.status).toBe(200);
    expect(again.json()).toEqual({ accepted: [], duplicate: [id], rejected: [] });

    const rows = readRows(c.dbPath, 'message_id = ?', id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel: 'browser', channels: 'browser,server,pixel' });
    expect(rows[0].payload.properties).toEqual(browser.properties); // the first copy is kept
  });

  it('answers a mixed batch with one receipt per event: accepted, duplicate (resent or repeated), rejected with its index', async () => {
    const stored = wireEvent();
    await postJson(c.url, '/v1/batch', { batch: [stored] });
    const fresh = wireEvent();
    const badName = wireEvent({ event: 'Added To Cart' });
    const noId = { ...wireEvent(), messageId: '' };

    const res = await postJson(c.url, '/v1/batch', { batch: [stored, fresh, badName, fresh, noId, 'junk'] });

    expect(res.status).toBe(200);
    expect(res.headers['accept-encoding']).toBe('gzip, deflate');
    expect(res.json()).toEqual({
      accepted: [fresh.messageId],
      duplicate: [stored.messageId, fresh.messageId],
      rejected: [
        { messageId: badName.messageId, code: 'invalid-event', reason: '/event must match pattern "^[a-z][a-z0-9_]*$"', index: 2 },
        { messageId: '', code: 'invalid-event', reason: '/messageId must NOT have fewer than 1 characters', index: 4 },
        { messageId: '', code: 'invalid-event', reason: 'event must be object', index: 5 },
      ],
    });
    expect(readRows(c.dbPath, 'message_id IN (?, ?, ?)', stored.messageId, fresh.messageId, badName.messageId)).toHaveLength(2);
  });

  it('takes gzip, deflate-free text/plain (beacons) and gzip sent as text/plain', async () => {
    const gz = wireEvent();
    const plain = wireEvent();
    const gzPlain = wireEvent();

    const a = await send(c.url, { method: 'POST', path: '/v1/batch', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ batch: [gz] })) });
    const b = await send(c.url, { method: 'POST', path: '/v1/batch', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify({ batch: [plain] }) });
    const d = await send(c.url, { method: 'POST', path: '/v1/batch', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ batch: [gzPlain] })) });

    expect([a.json().accepted, b.json().accepted, d.json().accepted]).toEqual([[gz.messageId], [plain.messageId], [gzPlain.messageId]]);
  });

  it('takes Segment singles: the type comes from the path', async () => {
    const t = wireEvent();
    const p = wireEvent({ event: undefined, name: 'Home' });
    const i = wireEvent({ event: undefined, userId: 'u-single', traits: { plan: 'pro' } });
    for (const [path, e] of [['/v1/track', t], ['/v1/page', p], ['/v1/identify', i]] as const) {
      expect((await postJson(c.url, path, e)).json()).toEqual({ accepted: [e.messageId], duplicate: [], rejected: [] });
    }
    const types = readRows(c.dbPath, 'message_id IN (?, ?, ?)', t.messageId, p.messageId, i.messageId).map((r) => r.type);
    expect(types).toEqual(['track', 'page', 'identify']);
  });

  it('stores consent with each event, queryable through the consent column', async () => {
    const e = wireEvent({ context: { channel: 'browser', library: { name: 'homing', version: '1' }, consent: { analytics: true, ads: false } } });
    await postJson(c.url, '/v1/batch', { batch: [e] });
    const [row] = readRows(c.dbPath, "message_id = ? AND json_extract(consent, '$.analytics') = 1 AND json_extract(consent, '$.ads') = 0", e.messageId);
    expect(JSON.parse(row.consent!)).toEqual({ analytics: true, ads: false });
  });

  it('counts what it accepted, saw twice and rejected', async () => {
    const counters = await stats(c);
    expect(counters.eventsAccepted).toBeGreaterThan(5);
    expect(counters.eventsDuplicate).toBeGreaterThan(3);
    expect(counters.eventsRejected).toBeGreaterThanOrEqual(3);
  });
});

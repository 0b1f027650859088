/**
 * A real collector process started as `npm start` starts it, `--origins` naming the shop only
 * (issue 14): the dashboard page and its assets load with the `Origin` header Chromium sends for
 * the page's own module script, the report API answers the dashboard's read key, a foreign site's
 * events are refused, and those refusals are in the log (warn, once for the flood) and the stats.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { wireEvent } from '../../helpers/events.js';
import { ADMIN_KEY, countRows, postJson, send, startCollector, stats, type Collector } from '../../helpers/collector.js';

const SHOP = 'http://127.0.0.1:8080';
const EVIL = 'https://evil.example';
const READ_KEY = 'read-key-origins-0123456789';

let c: Collector | undefined;
afterAll(async () => {
  await c?.dispose();
});

describe('a collector with --origins', () => {
  it('serves its own dashboard and reports, refuses and logs foreign event senders', async () => {
    c = await startCollector({
      args: ['--origins', SHOP, '--log-level', 'info'],
      env: { HOMING_READ_KEYS: READ_KEY, HOMING_ADMIN_KEY: ADMIN_KEY },
    });
    const self = c.url;

    const page = await send(c.url, { path: '/dashboard', headers: { origin: self } });
    expect(page.status, page.text).toBe(200);
    const assets = [...page.text.matchAll(/(?:src|href)="(\/dashboard\/dashboard\.(?:js|css)\?v=[0-9a-f]{16})"/g)].map((m) => m[1]);
    expect(assets).toHaveLength(2);
    for (const path of assets) {
      // What Chromium sends for `<script type="module">` from the collector's own page.
      const res = await send(c.url, { path, headers: { origin: self, 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin' } });
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.body.length).toBeGreaterThan(100);
    }
    const report = await send(c.url, { path: '/v1/reports/sessions', headers: { origin: self, authorization: `Bearer ${READ_KEY}` } });
    expect(report.status, report.text).toBe(200);
    expect(report.json()).toHaveProperty('events');

    // The shop may send; another site may not, however often it tries.
    expect((await postJson(c.url, '/v1/batch', { batch: [wireEvent()] }, { origin: SHOP })).status).toBe(200);
    for (let i = 0; i < 30; i++) {
      expect((await postJson(c.url, '/v1/batch', { batch: [wireEvent()] }, { origin: EVIL })).status).toBe(403);
    }
    expect(countRows(c.dbPath)).toBe(1);
    expect((await stats(c)).originRefused).toBe(30);

    await c.stop();
    const lines = c.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const refused = lines.filter((l) => String(l.msg).startsWith('request refused: origin not allowed'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 40, origin: EVIL, path: '/v1/batch' });
  }, 30_000);
});

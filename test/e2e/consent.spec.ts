/**
 * Consent and privacy, end to end in Chromium: nothing leaves the browser without the consent the
 * site configured. Every test watches the network itself (`context.on('request')` sees the service
 * worker's requests too) and checks the collector's database, the ground truth.
 */
import type { BrowserContext, Page, Request } from '@playwright/test';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { outboxEvents, readStore } from '../helpers/idb-readers.js';
import { stats, waitForServiceWorker, type StoredRow } from './fixtures.js';
import { expect, test } from './faulty-site.js';

const named = (rows: StoredRow[], name: string) => rows.filter((r) => r.event.event === name);

/** Every POST to /v1/batch the page, its worker or its service worker makes, bodies decoded. */
function watchBatches(context: BrowserContext): { requests: Request[]; ids: () => string[] } {
  const requests: Request[] = [];
  context.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/v1/batch') requests.push(req);
  });
  return {
    requests,
    ids: () =>
      requests.flatMap((req) => {
        const raw = req.postDataBuffer();
        if (!raw) return [];
        const json = req.headers()['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
        return (JSON.parse(json).batch as Array<{ messageId: string }>).map((e) => e.messageId);
      }),
  };
}

/** Opens the demo with extra client configuration and waits for the real client. */
async function openWith(page: Page, origin: string, config: Record<string, unknown>, query = ''): Promise<void> {
  await page.goto(`${origin}/?homingConfig=${encodeURIComponent(JSON.stringify(config))}${query}`);
  await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q);
  await waitForServiceWorker(page);
}

const homing = {
  flush: (page: Page) => page.evaluate(() => (window as any).homing.flush()),
  track: (page: Page, name: string, count: number, properties: Record<string, unknown> = {}) =>
    page.evaluate(
      ({ name, count, properties }) => {
        for (let i = 0; i < count; i++) (window as any).homing.track(name, { i, ...properties });
      },
      { name, count, properties },
    ),
  consent: (page: Page, purposes: Record<string, boolean>) =>
    page.evaluate((purposes) => {
      const at = Date.now();
      (window as any).homing.consent(purposes);
      return at;
    }, purposes),
};

/** A TCF v2 CMP that has loaded with these purpose consents. */
async function tcfStub(context: BrowserContext, consents: Record<number, boolean>): Promise<void> {
  await context.addInitScript((consents) => {
    (window as any).__tcfapi = (command: string, _version: number, callback: (data: unknown, success: boolean) => void) => {
      if (command === 'addEventListener') setTimeout(() => callback({ eventStatus: 'tcloaded', gdprApplies: true, purpose: { consents } }, true), 0);
    };
  }, consents);
}

test('buffer: nothing reaches the collector before consent; then every buffered event arrives once, with its capture time', async ({ page, context, demo, collector }) => {
  const batches = watchBatches(context);
  await openWith(page, demo.origin, { consent: { policy: 'buffer' } });
  await homing.track(page, 'before_consent', 5);
  const flushed = await homing.flush(page); // durable, and a delivery attempted
  expect(flushed.delivered).toBe(0);
  expect(flushed.pending).toBeGreaterThanOrEqual(6); // 5 + the page view (+ any autocapture), held
  await page.waitForTimeout(1_500); // the worker's 1 s batch timer and the SW's own triggers, had they anything to send
  expect(batches.requests).toHaveLength(0);
  expect(collector.events()).toHaveLength(0);
  const held = await outboxEvents(page);
  expect(held).toBe(flushed.pending);

  const consentAt = await homing.consent(page, { analytics: true });
  await homing.flush(page);
  await expect.poll(() => collector.events().length).toBe(held);
  const rows = collector.events();
  expect(named(rows, 'before_consent')).toHaveLength(5);
  for (const row of rows) {
    expect(Date.parse(row.event.originalTimestamp)).toBeLessThan(consentAt);
    expect(row.event.context.consent).toBeUndefined(); // captured before any decision
  }
  // Each sent exactly once: no id in two requests.
  const sent = batches.ids();
  expect(sent.sort()).toEqual(rows.map((r) => r.messageId).sort());
  expect(await outboxEvents(page)).toBe(0);
});

test('drop: events before a decision are neither stored nor sent, and stats() counts them', async ({ page, context, demo, collector }) => {
  const batches = watchBatches(context);
  await openWith(page, demo.origin, { consent: { policy: 'drop' } });
  await homing.track(page, 'dropped_event', 10);
  expect(await homing.flush(page)).toMatchObject({ delivered: 0, pending: 0 });
  expect((await readStore(page, 'meta', 'pending')) ?? 0).toBe(0);
  expect(await outboxEvents(page)).toBe(0);
  const s = await stats(page);
  expect(s.consent).toBe(11); // 10 + the page view
  expect(s.unacked).toBe(0);
  await page.waitForTimeout(1_000);
  expect(batches.requests).toHaveLength(0);

  // After consent, events flow; the dropped ones never do.
  await homing.consent(page, { analytics: true });
  await homing.track(page, 'after_consent', 1);
  await homing.flush(page);
  await expect.poll(() => named(collector.events(), 'after_consent').length).toBe(1);
  expect(named(collector.events(), 'dropped_event')).toHaveLength(0);
});

test('withdrawal with 500 events queued during an outage: the outbox is emptied, nothing arrives once the collector is back', async ({ page, context, site, faulty, collector }) => {
  const batches = watchBatches(context);
  await openWith(page, site.origin, { consent: {} });
  await homing.consent(page, { analytics: true });
  await homing.flush(page);
  await expect.poll(() => collector.events().length).toBe(1); // the page view
  const anonymousId = collector.events()[0].event.anonymousId;

  faulty.setDefault({ kind: 'status', status: 503 }); // the collector is unreachable
  await homing.track(page, 'queued', 500);
  await expect.poll(async () => (await stats(page)).unacked).toBe(0);
  await expect.poll(() => readStore(page, 'meta', 'pending')).toBe(500);

  await homing.consent(page, { analytics: false });
  await homing.flush(page);
  expect(await readStore(page, 'meta', 'pending')).toBe(0);
  expect(await outboxEvents(page)).toBe(0);
  expect((await readStore(page, 'meta', 'counts')).consent).toBe(500);
  expect(await readStore(page, 'meta', 'anonymousId')).not.toBe(anonymousId); // identifiers reset
  expect((await stats(page)).consent).toBe(500);

  faulty.setDefault({ kind: 'pass' });
  const sentBefore = batches.requests.length;
  await homing.track(page, 'after_withdrawal', 3); // denied: dropped, never stored
  await homing.flush(page);
  await page.waitForTimeout(1_500);
  expect(batches.requests.length).toBe(sentBefore);
  expect(named(collector.events(), 'queued')).toHaveLength(0);
  expect(collector.events()).toHaveLength(1);
});

test('a TCF v2 CMP granting purpose 1 enables delivery', async ({ page, context, demo, collector }) => {
  await tcfStub(context, { 1: true });
  await openWith(page, demo.origin, { consent: { tcf: true } });
  await homing.track(page, 'with_tcf', 1);
  await expect
    .poll(async () => {
      await homing.flush(page);
      return named(collector.events(), 'with_tcf').length;
    })
    .toBe(1);
  expect(await readStore(page, 'meta', 'consent')).toEqual({ analytics: true, marketing: false });
});

test('TCF purposes 3 and 4 grant marketing, unless Global Privacy Control is on', async ({ browser, demo, collector }) => {
  const config = { consent: { tcf: true, honorGpc: true, purposes: { ad_click: 'marketing' } } };
  for (const gpc of [false, true]) {
    const context = await browser.newContext();
    await tcfStub(context, { 1: true, 3: true, 4: true });
    if (gpc) await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true }));
    const page = await context.newPage();
    await openWith(page, demo.origin, config);
    const tag = gpc ? 'gpc' : 'plain';
    await homing.track(page, 'ad_click', 1, { tag });
    await homing.track(page, 'product_viewed', 1, { tag });
    const mine = (name: string) => named(collector.events(), name).filter((r) => r.event.properties.tag === tag);
    await expect
      .poll(async () => {
        await homing.flush(page);
        return mine('product_viewed').length;
      })
      .toBe(1);
    if (!gpc) {
      await expect.poll(() => mine('ad_click').length).toBe(1);
    } else {
      await homing.flush(page);
      await page.waitForTimeout(1_000);
      expect(mine('ad_click')).toHaveLength(0);
      // Stamped with GPC's denial (and the CMP's grant too, if it was in before the event).
      expect(mine('product_viewed')[0].event.context.consent).toMatchObject({ marketing: false });
      expect(await readStore(page, 'meta', 'consent')).toEqual({ analytics: true, marketing: false });
      expect((await stats(page)).consent).toBe(1);
    }
    await context.close();
  }
});

test('Do Not Track, honoured: even the anonymous policy sends nothing', async ({ browser, demo }) => {
  const context = await browser.newContext();
  const batches = watchBatches(context);
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true }));
  const page = await context.newPage();
  await openWith(page, demo.origin, { consent: { policy: 'anonymous', honorDnt: true } });
  await homing.track(page, 'dnt_event', 3);
  await homing.consent(page, { analytics: true }); // DNT wins over the site's grant
  await homing.track(page, 'dnt_event', 1);
  await homing.flush(page);
  // Every call was decided (dropped for want of consent) before anything could have been sent.
  await expect.poll(async () => (await stats(page)).consent).toBe(5); // page view + 4
  expect((await stats(page)).unacked).toBe(0);
  expect(batches.requests).toHaveLength(0);
  expect(await readStore(page, 'meta', 'consent')).toEqual({ analytics: false, marketing: false });
  await context.close();
});

test('an e-mail address in a property arrives hashed by default, or redacted as configured; URLs keep allowlisted parameters only', async ({ page, demo, collector }) => {
  const hash = createHash('sha256').update('ada@example.com').digest('hex');
  await openWith(page, demo.origin, { pii: {}, urlParams: ['utm_*'] }, '&utm_source=news&reset_token=secret');
  await homing.track(page, 'signed_up', 1, { email: 'Ada@Example.com', note: 'mail ada@example.com or call +33 6 12 34 56 78' });
  await homing.flush(page);
  await expect.poll(() => named(collector.events(), 'signed_up').length).toBe(1);
  const [hashed] = named(collector.events(), 'signed_up');
  expect(hashed.event.properties).toEqual({ i: 0, email: hash, note: `mail ${hash} or call [redacted]` });
  expect(hashed.event.context.page.url).not.toContain('secret');
  expect(hashed.event.context.page.url).not.toContain('homingConfig');
  expect(hashed.event.context.page.search).toBe('?utm_source=news');
  expect(hashed.event.context.campaign).toEqual({ source: 'news' });
  expect(JSON.stringify(collector.events()).toLowerCase()).not.toContain('@example.com');

  await openWith(page, demo.origin, { pii: { email: 'redact' } });
  await homing.track(page, 'signed_up_again', 1, { email: 'ada@example.com' });
  await homing.flush(page);
  await expect.poll(() => named(collector.events(), 'signed_up_again').length).toBe(1);
  expect(named(collector.events(), 'signed_up_again')[0].event.properties).toEqual({ i: 0, email: '[redacted]' });
});

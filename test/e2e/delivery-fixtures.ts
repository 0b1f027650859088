/**
 * Fixtures and page helpers for the delivery scenarios (delivery.spec.ts): a log of the batch
 * requests the browser sent, a persistent browser profile that can be closed like a crash and
 * relaunched, and the reads a test needs to know events are durable before it breaks something.
 */
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, stats, type CollectorFixture, type StoredRow } from './fixtures.js';
import { recordBatches, type BatchLog } from '../helpers/batch-log.js';
import { CHROMIUM_ARGS, resolveChromium } from '../helpers/browsers.js';
import { outboxPending } from '../helpers/idb-readers.js';

/** Events waiting in the outbox (test/helpers/idb-readers.ts), read from the page; delivery.spec.ts imports it from here. */
export { outboxPending };

export interface Profile {
  dir: string;
  /** `launchPersistentContext` on the profile, with the launch options of playwright.config.ts. */
  launch(): Promise<BrowserContext>;
}

export const test = base.extend<{ batches: BatchLog; profile: Profile }>({
  batches: async ({ context }, use, testInfo) => {
    const log = recordBatches(context);
    await use(log);
    log.stop();
    // What went over the wire, for reading a failure.
    await testInfo.attach('batch-requests.json', { body: JSON.stringify(log.requests, null, 2), contentType: 'application/json' });
  },

  profile: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'homing-profile-'));
    const launched: BrowserContext[] = [];
    await use({
      dir,
      async launch() {
        const context = await chromium.launchPersistentContext(dir, { executablePath: resolveChromium(), args: CHROMIUM_ARGS, headless: true });
        launched.push(context);
        return context;
      },
    });
    for (const context of launched) await context.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  },
});

export { expect };

/** The one event name the delivery tests track; `properties.run` tells the scenarios apart. */
export const PROBE = 'delivery_probe';

/**
 * `count` track() calls with `{ run, i }`, all in one task, or `perTick` calls per task with
 * `tickMs` between tasks (several tabs then interleave).
 */
export function trackMany(page: Page, run: string, count: number, pace: { perTick: number; tickMs: number } | null = null): Promise<void> {
  return page.evaluate(
    async ({ name, run, count, pace }) => {
      const homing = (window as any).homing;
      for (let i = 0; i < count; i++) {
        homing.track(name, { run, i });
        if (pace && (i + 1) % pace.perTick === 0) await new Promise((resolve) => setTimeout(resolve, pace.tickMs));
      }
    },
    { name: PROBE, run, count, pace },
  );
}

/**
 * Waits until every call of the page is durable (the worker got the service worker's commit ack:
 * `unacked === 0`) and the outbox holds `pending` events.
 */
export async function waitDurable(page: Page, pending: number): Promise<void> {
  await expect.poll(async () => (await stats(page)).unacked, { message: 'every call acknowledged as durable', timeout: 10_000 }).toBe(0);
  await expect.poll(() => outboxPending(page), { message: 'events waiting in the outbox' }).toBe(pending);
}

/** Waits until the page's automatic page view reached the collector and the outbox is empty. */
export async function waitSettled(page: Page, collector: CollectorFixture): Promise<void> {
  await expect.poll(() => collector.events().filter((r) => r.event.type === 'page').length, { message: 'the page view stored' }).toBeGreaterThanOrEqual(1);
  await waitDurable(page, 0);
}

export function ofRun(rows: StoredRow[], run: string): StoredRow[] {
  return rows.filter((r) => r.event.event === PROBE && r.event.properties?.run === run);
}

/**
 * Waits until the collector holds `count` events of the run, then checks each call is stored once:
 * every index 0..count-1 exactly once (a call stored under two messageIds would show), and no
 * messageId twice in the whole database.
 */
export async function expectStoredOnce(collector: CollectorFixture, run: string, count: number, timeout = 10_000): Promise<StoredRow[]> {
  await expect.poll(() => ofRun(collector.events(), run).length, { message: `events of run "${run}" stored`, timeout }).toBeGreaterThanOrEqual(count);
  const all = collector.events();
  const rows = ofRun(all, run);
  const indexes = rows.map((r) => r.event.properties.i as number).sort((a, b) => a - b);
  expect(indexes, `each of the ${count} calls of "${run}" stored exactly once`).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(new Set(all.map((r) => r.messageId)).size, 'distinct messageIds == rows').toBe(all.length);
  return rows;
}


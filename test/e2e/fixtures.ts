/**
 * Per-test fixtures: a real collector process (the built bin) on a fresh SQLite file, and the demo
 * server on another port (another origin, so CORS is real) serving the built bundles.
 */
import { test as base, expect, type Page } from '@playwright/test';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoServer } from '../../demo/server.js';
import { readEvents, startCollector } from '../helpers/collector.js';
import { freePort } from '../helpers/ports.js';

export interface CollectorFixture {
  url: string;
  dbPath: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  events(): StoredRow[];
}

export interface StoredRow {
  messageId: string;
  event: Record<string, any>;
}

export interface DemoFixture {
  origin: string;
}

interface Ports {
  collector: number;
  demo: number;
}

export const test = base.extend<{ ports: Ports; collector: CollectorFixture; demo: DemoFixture; collectorArgs: string[] }>({
  /** More flags for the collector process: `test.use({ collectorArgs: ['--write-keys', key] })`. */
  collectorArgs: [[], { option: true }],

  ports: async ({}, use) => {
    await use({ collector: await freePort(), demo: await freePort() });
  },

  collector: async ({ ports, collectorArgs }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'homing-e2e-'));
    const dbPath = join(dir, 'events.sqlite');
    // The collector allows the demo's origin only, so CORS is exercised for real.
    const proc = await startCollector({ port: ports.collector, dir, dbPath, origins: [`http://127.0.0.1:${ports.demo}`], args: collectorArgs });
    await use({
      url: proc.url,
      dbPath,
      stop: async () => void (await proc.stop()),
      start: () => proc.start(),
      events: () => readEvents(dbPath) as StoredRow[],
    });
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  },

  demo: async ({ ports, collector }, use) => {
    const port = ports.demo;
    const server: Server = createDemoServer({
      port,
      host: '127.0.0.1',
      collector: collector.url,
      root: 'demo',
      bundles: 'dist/browser',
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await use({ origin: `http://127.0.0.1:${port}` });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },
});

export { expect };

/** Opens the demo and waits until the real client replaced the stub (its `stats` answers). */
export async function openDemo(page: Page, origin: string, path = '/'): Promise<void> {
  await page.goto(origin + path);
  await page.waitForFunction(() => typeof (window as any).homing?.stats === 'function' && !(window as any).homing.q);
}

/** The page's `homing.stats()`. */
export function stats(page: Page): Promise<any> {
  return page.evaluate(() => (window as any).homing.stats());
}

/** Waits until the service worker controls the page and the worker is linked to it. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(async () => !!(await navigator.serviceWorker.ready).active);
}

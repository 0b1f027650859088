/**
 * Drives the service worker through the Chrome DevTools Protocol: find its version, stop it, and wait
 * for the real signal that it stopped (docs/browser-facts.md "Background Sync", "Stopping a service
 * worker").
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';

interface Version {
  versionId: string;
  registrationId: string;
  scriptURL: string;
  runningStatus: string;
  status: string;
}

export async function swControl(context: BrowserContext, page: Page, origin: string) {
  const cdp = await context.newCDPSession(page);
  const versions = new Map<string, Version>();
  cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: Version[] }) => {
    for (const v of e.versions) versions.set(v.versionId, v);
  });
  await cdp.send('ServiceWorker.enable');
  const ours = () => [...versions.values()].filter((v) => v.scriptURL.startsWith(origin) && v.status === 'activated');

  return {
    async waitRunning(): Promise<Version> {
      await expect.poll(() => ours().some((v) => v.runningStatus === 'running'), { timeout: 10_000 }).toBe(true);
      return ours().find((v) => v.runningStatus === 'running')!;
    },
    async stop(): Promise<void> {
      const running = await this.waitRunning();
      await cdp.send('ServiceWorker.stopWorker', { versionId: running.versionId });
      await expect.poll(() => versions.get(running.versionId)?.runningStatus, { timeout: 10_000 }).toBe('stopped');
    },
    async dispose(): Promise<void> {
      await cdp.detach().catch(() => undefined);
    },
  };
}

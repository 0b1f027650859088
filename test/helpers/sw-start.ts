/**
 * Starts a stopped service worker through CDP (`ServiceWorker.startWorker`) without sending it
 * anything: no page message, no sync, no fetch. What it does then is only what it does on start.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';

interface Version {
  versionId: string;
  scriptURL: string;
  runningStatus: string;
  status: string;
}

/** Resolves once a version of the origin's activated worker reports `running`. */
export async function startServiceWorker(context: BrowserContext, page: Page, origin: string): Promise<void> {
  const cdp = await context.newCDPSession(page);
  try {
    const versions = new Map<string, Version>();
    cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: Version[] }) => {
      for (const v of e.versions) versions.set(v.versionId, v);
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.startWorker', { scopeURL: `${origin}/` });
    const running = () => [...versions.values()].some((v) => v.scriptURL.startsWith(origin) && v.status === 'activated' && v.runningStatus === 'running');
    await expect.poll(running, { message: `the service worker of ${origin} running`, timeout: 10_000 }).toBe(true);
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/**
 * Background Sync from the test's side (docs/browser-facts.md "Background Sync"): which sync tags a registration holds,
 * and firing one now through CDP instead of waiting for Chromium's +5 min / +20 min retries. The
 * dispatch also wakes a stopped service worker.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';

/** The product's workbox-background-sync Queue is named 'homing'. */
export const HOMING_SYNC_TAG = 'workbox-background-sync:homing';

interface Registration {
  registrationId: string;
  scopeURL: string;
  isDeleted: boolean;
}

/** Tags registered with `registration.sync`, read from a page of the origin (empty without a registration). */
export function syncTags(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return registration && 'sync' in registration ? (registration as any).sync.getTags() : [];
  });
}

/**
 * `ServiceWorker.dispatchSyncEvent` for the origin's registration. Resolves once Chromium accepted
 * the command; the delivery it causes is for the caller to wait for (in the collector's database).
 */
export async function dispatchSync(context: BrowserContext, page: Page, origin: string, tag: string, lastChance = false): Promise<void> {
  const cdp = await context.newCDPSession(page);
  try {
    const registrations: Registration[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: Registration[] }) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable'); // the registrations arrive as events just after this
    const ours = () => registrations.find((r) => r.scopeURL.startsWith(origin) && !r.isDeleted);
    await expect.poll(() => ours(), { message: `a service worker registration for ${origin}`, timeout: 10_000 }).toBeTruthy();
    await cdp.send('ServiceWorker.dispatchSyncEvent', { origin, registrationId: ours()!.registrationId, tag, lastChance });
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

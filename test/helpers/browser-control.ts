/**
 * The few things the cross-browser scenarios do differently per browser, behind one interface:
 * taking the browser offline in a way that reaches the service worker, stopping the service
 * worker, and killing the browser like a crash.
 *
 * - Offline. Chromium: CDP `Network.emulateNetworkConditions` on the SW's own target (what
 *   Playwright's `context.setOffline` does to a SW, docs/browser-facts.md "Going offline in tests": its fetches fail; the
 *   offline scenario checks that none reaches the proxy) and puppeteer's `setOfflineMode` on the
 *   pages of the origin. Firefox: no BiDi emulation reaches a SW
 *   (docs/browser-facts.md "Going offline in tests"), so the chrome-privileged global switch `Services.io.offline`, with the
 *   pref `network.disable-localhost-when-offline` (launch.ts sets it) so loopback is cut too. That
 *   switch leaves kept-alive sockets usable: the scenarios send through the faulty proxy, whose
 *   every answer says `Connection: close`.
 * - Stopping and starting the SW. Chromium: CDP `ServiceWorker.stopWorker` / `startWorker`, and
 *   its `runningStatus`. Firefox: `nsIServiceWorkerInfo.terminateWorker()` / `attachDebugger()` +
 *   `detachDebugger()` from chrome JS (docs/browser-facts.md "Going offline in tests"); `lifetimeDeadline` reads 0 while no
 *   instance runs, and `launchCount` counts the starts.
 * - WebKit has no offline switch, no network emulation and no service-worker control over
 *   WebDriver: offline is the network cable of the scenario's proxy (unplugged, every connection
 *   to the collector is reset on arrival), and the service worker is observed by what it does. It
 *   stops by itself ~10 s after its last page closed (docs/browser-facts.md "WebKit").
 * - Crash: SIGKILL to the browser's main process, which this test run started.
 */
import type { Browser, CDPSession, Page } from 'puppeteer-core';
import type { Launched } from './launch.js';
import type { WebKitBrowser } from './webkit.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 25 ms until it returns true; throws `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export interface SwState {
  /** An instance of the origin's active service worker is running. */
  running: boolean;
  /** Firefox: how many times an instance was started (null in Chromium). */
  launches: number | null;
}

export interface BrowserControl {
  /** Offline for the pages and the service worker of `origin` (whole browser in Firefox). */
  setOffline(offline: boolean): Promise<void>;
  /** Stops the origin's running service worker and resolves once it is stopped. */
  stopServiceWorker(): Promise<void>;
  /**
   * Starts the origin's stopped service worker with no event for it at all (no page message, no
   * sync), as DevTools do: what runs is only its start-up path. Resolves once it runs.
   */
  startServiceWorker(): Promise<void>;
  /** Whether the origin's active service worker runs now. */
  serviceWorker(): Promise<SwState>;
  /**
   * Deletes the origin's script-written storage (IndexedDB, localStorage, service workers, Cache
   * Storage) and keeps its cookies, as Safari's 7-day rule does. Chromium: CDP
   * `Storage.clearDataForOrigin`. Firefox: `Services.clearData` with `CLEAR_DOM_STORAGES`. WebKit
   * needs its browser closed for it: the harness relaunches around test/helpers/webkit.ts's wipe.
   */
  wipeSiteStorage(): Promise<void>;
  /** SIGKILL to the browser's main process; resolves once it exited. */
  kill(): Promise<void>;
  dispose(): Promise<void>;
}

export function browserControl(launched: Launched, origin: string): BrowserControl {
  return launched.name === 'firefox' ? firefoxControl(launched.browser, origin) : chromiumControl(launched.browser, origin);
}

async function killBrowser(browser: Browser): Promise<void> {
  const proc = browser.process();
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGKILL');
  await exited;
  // The browser's helpers leave with it (they watch their parent's pipes). Should one linger, it
  // is still ours: puppeteer started the browser as the leader of its own process group.
  try {
    process.kill(-proc.pid!, 0);
    process.kill(-proc.pid!, 'SIGKILL');
  } catch {
    // the group is gone
  }
  browser.disconnect().catch(() => undefined);
}

// ── Firefox ──────────────────────────────────────────────────────────────────────────────────────

/** Runs `expression` in Firefox's parent process (needs `--remote-allow-system-access`). */
export async function firefoxChromeEval<T>(browser: Browser, expression: string): Promise<T> {
  // `connection` is puppeteer's internal BiDi connection (pinned puppeteer-core version).
  const conn = (browser as unknown as { connection: { send(method: string, params: object): Promise<{ result: any }> } }).connection;
  const { result: tree } = await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const { result } = await conn.send('script.evaluate', {
    expression,
    target: { context: tree.contexts[0].context },
    awaitPromise: true,
  });
  if (result.type === 'exception') throw new Error(`chrome JS failed: ${result.exceptionDetails?.text ?? JSON.stringify(result)}`);
  return result.result?.value as T;
}

function firefoxControl(browser: Browser, origin: string): BrowserControl {
  const prefix = JSON.stringify(origin + '/');
  /** `body` runs with `w`, the active nsIServiceWorkerInfo of each registration of the origin. */
  const eachWorker = (body: string) => `(() => {
    const regs = Cc['@mozilla.org/serviceworkers/manager;1'].getService(Ci.nsIServiceWorkerManager).getAllRegistrations();
    const out = [];
    for (let i = 0; i < regs.length; i++) {
      const r = regs.queryElementAt(i, Ci.nsIServiceWorkerRegistrationInfo);
      const w = r.activeWorker;
      if (r.scope.startsWith(${prefix}) && w) out.push((() => { ${body} })());
    }
    return JSON.stringify(out);
  })()`;
  const workers = async <T>(body: string): Promise<T[]> => JSON.parse(await firefoxChromeEval<string>(browser, eachWorker(body)));
  let offline = false;

  const control: BrowserControl = {
    async setOffline(next) {
      await firefoxChromeEval(browser, `Services.io.offline = ${next}`);
      offline = next;
    },
    async serviceWorker() {
      const states = await workers<{ deadline: number; launches: number }>('return { deadline: w.lifetimeDeadline, launches: w.launchCount };');
      if (states.length !== 1) throw new Error(`expected one active service worker for ${origin}, found ${states.length}`);
      return { running: states[0].deadline > 0, launches: states[0].launches };
    },
    async stopServiceWorker() {
      await until(async () => (await control.serviceWorker()).running, 'the service worker to be running');
      await workers('w.terminateWorker(); return true;');
      await until(async () => !(await control.serviceWorker()).running, 'the service worker to stop');
    },
    async startServiceWorker() {
      // What about:debugging does to start a worker: attaching a debugger launches it.
      await workers('w.attachDebugger(); w.detachDebugger(); return true;');
      await until(async () => (await control.serviceWorker()).running, 'the service worker to start');
    },
    async wipeSiteStorage() {
      await firefoxChromeEval(
        browser,
        `new Promise((resolve, reject) => Services.clearData.deleteDataFromPrincipal(
          Services.scriptSecurityManager.createContentPrincipalFromOrigin(${JSON.stringify(origin)}), true,
          Ci.nsIClearDataService.CLEAR_DOM_STORAGES,
          { onDataDeleted: (failed) => (failed ? reject(new Error('clearData failed: ' + failed)) : resolve(true)) }))`,
      );
    },
    kill: () => killBrowser(browser),
    async dispose() {
      if (offline && browser.connected) await control.setOffline(false).catch(() => undefined);
    },
  };
  return control;
}

// ── Chromium ─────────────────────────────────────────────────────────────────────────────────────

interface Version {
  versionId: string;
  scriptURL: string;
  runningStatus: string;
  status: string;
}

function chromiumControl(browser: Browser, origin: string): BrowserControl {
  let swSessions: CDPSession[] = [];
  let offlinePages: Page[] = [];
  let registry: { cdp: CDPSession; versions: Map<string, Version> } | null = null;

  /** A CDP session on a page that follows the service-worker versions (docs/browser-facts.md "Stopping a service worker"). */
  async function versions(): Promise<{ cdp: CDPSession; versions: Map<string, Version> }> {
    if (registry) return registry;
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    const cdp = await page.createCDPSession();
    const map = new Map<string, Version>();
    cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: Version[] }) => {
      for (const v of e.versions) map.set(v.versionId, v);
    });
    await cdp.send('ServiceWorker.enable');
    registry = { cdp, versions: map };
    return registry;
  }
  const ours = (map: Map<string, Version>) => [...map.values()].filter((v) => v.scriptURL.startsWith(origin + '/') && v.status === 'activated');

  const control: BrowserControl = {
    async setOffline(offline) {
      const conditions = { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
      if (offline) {
        const targets = browser.targets().filter((t) => t.type() === 'service_worker' && t.url().startsWith(origin + '/'));
        if (targets.length === 0) throw new Error(`no service worker target for ${origin}`);
        for (const target of targets) {
          const cdp = await target.createCDPSession();
          await cdp.send('Network.enable');
          await cdp.send('Network.emulateNetworkConditions', conditions);
          swSessions.push(cdp);
        }
        offlinePages = (await browser.pages()).filter((p) => p.url().startsWith(origin + '/'));
        for (const page of offlinePages) await page.setOfflineMode(true);
      } else {
        for (const cdp of swSessions) {
          await cdp.send('Network.emulateNetworkConditions', conditions).catch(() => undefined);
          await cdp.detach().catch(() => undefined);
        }
        swSessions = [];
        for (const page of offlinePages) if (!page.isClosed()) await page.setOfflineMode(false);
        offlinePages = [];
      }
    },
    async serviceWorker() {
      const { versions: map } = await versions();
      const active = ours(map);
      if (active.length === 0) throw new Error(`no active service worker version for ${origin}`);
      return { running: active.some((v) => v.runningStatus === 'running'), launches: null };
    },
    async stopServiceWorker() {
      const { cdp, versions: map } = await versions();
      await until(() => ours(map).some((v) => v.runningStatus === 'running'), 'the service worker to be running');
      const running = ours(map).find((v) => v.runningStatus === 'running')!;
      await cdp.send('ServiceWorker.stopWorker', { versionId: running.versionId });
      await until(() => map.get(running.versionId)?.runningStatus === 'stopped', 'the service worker to stop');
    },
    async startServiceWorker() {
      const { cdp, versions: map } = await versions();
      await cdp.send('ServiceWorker.startWorker', { scopeURL: origin + '/' });
      await until(() => ours(map).some((v) => v.runningStatus === 'running'), 'the service worker to start');
    },
    async wipeSiteStorage() {
      const { cdp } = await versions();
      await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'indexeddb,local_storage,service_workers,cache_storage' });
    },
    kill: () => killBrowser(browser),
    async dispose() {
      if (swSessions.length > 0 || offlinePages.length > 0) await control.setOffline(false).catch(() => undefined);
      await registry?.cdp.detach().catch(() => undefined);
      registry = null;
    },
  };
  return control;
}

// ── WebKit ───────────────────────────────────────────────────────────────────────────────────────

export function webkitControl(browser: WebKitBrowser, cable: { setUnplugged(unplugged: boolean): void } | undefined): BrowserControl {
  const unsupported = (what: string) => () =>
    Promise.reject(new Error(`WebKit offers no way to ${what} over WebDriver; the scenario must take WebKit's own path`));
  let unplugged = false;
  return {
    async setOffline(offline) {
      if (!cable) throw new Error('WebKit goes offline by unplugging the proxy in front of the collector: pass `cable`');
      cable.setUnplugged(offline);
      unplugged = offline;
    },
    serviceWorker: unsupported('read the service worker state'),
    wipeSiteStorage: unsupported('delete site data while the browser runs'),
    stopServiceWorker: unsupported('stop a service worker'),
    startServiceWorker: unsupported('start a service worker'),
    kill: () => browser.kill(),
    async dispose() {
      if (unplugged) cable?.setUnplugged(false);
    },
  };
}

/**
 * The WebKit driver layer (test/helpers/webkit.ts) on its own: tabs as WebDriver windows of one
 * session, evaluate/waitFor/close as the Tab interface promises, a crash and relaunch on a
 * persistent profile, feature flags, the proxy, and no process left behind. Pages come from a tiny
 * loopback server started here.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { stopAll } from '../helpers/process.js';
import { descendantsOf, launchWebKit, wipeScriptStorage, type WebKitBrowser } from '../helpers/webkit.js';

interface TestServer {
  origin: string;
  port: number;
  /** `from` of every beacon received, with the pagehide's `persisted`. */
  beacons: string[];
  /** Absolute-form request targets: requests that came through the server acting as a proxy. */
  proxied: string[];
  close(): Promise<void>;
}

/**
 * `/page/NAME`: a page that sets `window.label = NAME` and sends a beacon on pagehide.
 * `/beacon?from=NAME&persisted=…`: records the beacon. `/sw.js`: a service worker that does
 * nothing but take control. A request whose target is an absolute URL
 * (`GET http://host/...`, what a client sends to an HTTP proxy) is recorded, then served alike.
 */
async function startServer(port = 0): Promise<TestServer> {
  const beacons: string[] = [];
  const proxied: string[] = [];
  const server: Server = createServer((req, res) => {
    const target = req.url ?? '/';
    if (/^https?:\/\//.test(target)) proxied.push(target);
    const url = new URL(target, 'http://x');
    const page = /^\/page\/([\w-]+)$/.exec(url.pathname);
    if (page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><title>${page[1]}</title><script>
window.label = ${JSON.stringify(page[1])};
addEventListener('pagehide', (e) => navigator.sendBeacon('/beacon?from=' + window.label + '&persisted=' + e.persisted, 'x'));
</script>`);
    } else if (url.pathname === '/sw.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      res.end(`addEventListener('install', () => skipWaiting());
addEventListener('activate', (e) => e.waitUntil(clients.claim()));`);
    } else if (url.pathname === '/beacon') {
      beacons.push(`${url.searchParams.get('from')} persisted=${url.searchParams.get('persisted')}`);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    origin: `http://127.0.0.1:${actual}`,
    port: actual,
    beacons,
    proxied,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Exited (no such process, or a zombie not yet reaped). */
function gone(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[ZX]/.test(text.slice(text.lastIndexOf(')') + 2));
  } catch {
    return true;
  }
}
function parentOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}
function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Whatever a test started, stopped even when it fails (browsers first, then servers and folders).
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});
async function browserFor(options?: Parameters<typeof launchWebKit>[0]): Promise<WebKitBrowser> {
  const browser = await launchWebKit(options);
  cleanups.push(() => browser.close());
  return browser;
}
async function serverFor(port?: number): Promise<TestServer> {
  const server = await startServer(port);
  cleanups.push(() => server.close());
  return server;
}

/** Runs in the page: a localStorage item, a cookie and an IndexedDB record, each holding `value`. */
async function writeStorage(value: string): Promise<void> {
  localStorage.setItem('homing-test', value);
  document.cookie = `homing-test=${value}; max-age=3600; path=/`;
  await new Promise<void>((resolve, reject) => {
    const open = indexedDB.open('homing-test', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('kv');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('kv', 'readwrite');
      tx.objectStore('kv').put({ value }, 'record');
      tx.oncomplete = () => (open.result.close(), resolve());
      tx.onerror = () => reject(tx.error);
    };
  });
}

describe('WebKit driver layer', () => {

  it('runs page functions in the tab they belong to, with page errors and waitFor timeouts surfaced', { timeout: 90_000 }, async () => {
    const server = await serverFor();
    const browser = await browserFor();
    const a = await browser.newTab(`${server.origin}/page/a`);
    const b = await browser.newTab(`${server.origin}/page/b`);

    // Interleaved calls on both tabs: each answers from its own window.
    const [pa, pb] = await Promise.all([a.evaluate(() => location.pathname), b.evaluate(() => location.pathname)]);
    expect([pa, pb]).toEqual(['/page/a', '/page/b']);
    await Promise.all([
      a.evaluate((n: number, s: string) => void Object.assign(window, { stored: `${s}${n}` }), 1, 'a'),
      b.evaluate((n: number, s: string) => void Object.assign(window, { stored: `${s}${n}` }), 2, 'b'),
    ]);
    const read = () => [(window as unknown as { label: string }).label, (window as unknown as { stored: string }).stored];
    expect(await Promise.all([b.evaluate(read), a.evaluate(read)])).toEqual([
      ['b', 'b2'],
      ['a', 'a1'],
    ]);
    expect(await a.evaluate(async (x: { n: number }) => ({ twice: x.n * 2, list: [x.n] }), { n: 21 })).toEqual({ twice: 42, list: [21] });
    expect(await a.evaluate(() => undefined)).toBeUndefined();

    await expect(
      a.evaluate(() => {
        throw new Error('thrown in the page');
      }),
    ).rejects.toThrow('thrown in the page');
    await expect(
      b.evaluate(async () => {
        await new Promise((r) => setTimeout(r, 10));
        throw new TypeError('rejected in the page');
      }),
    ).rejects.toThrow('rejected in the page');

    await b.evaluate(() => void setTimeout(() => Object.assign(window, { ready: true }), 300));
    await b.waitFor(() => (window as unknown as { ready?: boolean }).ready, 10_000);
    const started = Date.now();
    await expect(a.waitFor(() => (window as unknown as { never?: boolean }).never, 500)).rejects.toThrow(
      /waitFor timed out after 500 ms: .*never/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('closing a tab unloads its page (pagehide runs) and leaves the other tab working', { timeout: 90_000 }, async () => {
    const server = await serverFor();
    const browser = await browserFor();
    const a = await browser.newTab(`${server.origin}/page/a`);
    const b = await browser.newTab(`${server.origin}/page/b`);
    await a.close();
    await until(() => server.beacons.includes('a persisted=false'), 10_000, "no beacon from the closed tab's pagehide");
    expect(server.beacons).toEqual(['a persisted=false']);
    expect(await b.evaluate(() => (window as unknown as { label: string }).label)).toBe('b');
    await expect(a.evaluate(() => 1)).rejects.toThrow(/closed tab/);
    await a.close(); // a second close is a no-op
    const c = await browser.newTab(`${server.origin}/page/c`);
    expect(await c.evaluate(() => location.pathname)).toBe('/page/c');
  });

  it('keeps localStorage, IndexedDB and cookies in userDataDir across a SIGKILL and a relaunch', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homing-webkit-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    let server = await serverFor(port);
    const first = await browserFor({ userDataDir: dir });
    const tab = await first.newTab(`${server.origin}/page/store`);
    await tab.evaluate(writeStorage, 'kept-1');

    const pid = first.pid();
    const driverPid = parentOf(pid);
    await first.kill();
    expect(gone(pid)).toBe(true);
    expect(gone(driverPid)).toBe(true);
    await expect(tab.evaluate(() => 1)).rejects.toThrow(/killed/);

    // The origin includes the port: the relaunched browser must find the site where it was.
    await server.close();
    server = await serverFor(port);
    const second = await browserFor({ userDataDir: dir });
    expect(second.pid()).not.toBe(pid);
    const again = await second.newTab(`${server.origin}/page/store`);
    const read = await again.evaluate(
      () =>
        new Promise<[string | null, unknown, string]>((resolve, reject) => {
          const open = indexedDB.open('homing-test', 1);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('kv').objectStore('kv').get('record');
            get.onsuccess = () => resolve([localStorage.getItem('homing-test'), get.result, document.cookie]);
            get.onerror = () => reject(get.error);
          };
        }),
    );
    expect(read).toEqual(['kept-1', { value: 'kept-1' }, 'homing-test=kept-1']);
  });

  it("wipeScriptStorage deletes a site's script-written storage as Safari's ITP does, and keeps its cookies", { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homing-webkit-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = await serverFor();
    // Everything the page keeps, read in the page (self-contained: it runs as page source).
    const stored = async () => ({
      databases: (await indexedDB.databases()).map((d) => d.name),
      local: localStorage.getItem('homing-test'),
      registrations: (await navigator.serviceWorker.getRegistrations()).map((r) => new URL(r.scope).pathname),
      caches: await caches.keys(),
      cookie: document.cookie,
    });

    const first = await browserFor({ userDataDir: dir });
    const tab = await first.newTab(`${server.origin}/page/store`);
    await tab.evaluate(writeStorage, 'wiped-1');
    await tab.evaluate(async (value: string) => {
      await (await caches.open('homing-test')).put('/page/cached', new Response(value));
      await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
    }, 'wiped-1');
    expect(await tab.evaluate(stored)).toEqual({
      databases: ['homing-test'],
      local: 'wiped-1',
      registrations: ['/'],
      caches: ['homing-test'],
      cookie: 'homing-test=wiped-1',
    });

    // Not while a browser holds the profile.
    await expect(wipeScriptStorage(dir, server.origin)).rejects.toThrow(/still runs on/);
    await first.close();
    const removed = await wipeScriptStorage(dir, server.origin);
    expect(removed).toEqual(expect.arrayContaining(['local-storage', 'indexeddb', 'service-workers', 'cache-storage']));
    expect(removed).not.toContain('cookies');
    // A site with nothing stored: nothing to remove.
    expect(await wipeScriptStorage(dir, 'http://localhost:1')).toEqual([]);

    const second = await browserFor({ userDataDir: dir });
    const again = await second.newTab(`${server.origin}/page/store`);
    expect(await again.evaluate(stored)).toEqual({ databases: [], local: null, registrations: [], caches: [], cookie: 'homing-test=wiped-1' });
    // The database opens as a new one: created at version 1, without the old object store.
    const reopened = await again.evaluate(
      () =>
        new Promise<[number, number, string[]]>((resolve, reject) => {
          let oldVersion = -1;
          const open = indexedDB.open('homing-test');
          open.onupgradeneeded = (e) => (oldVersion = e.oldVersion);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            resolve([oldVersion, open.result.version, [...open.result.objectStoreNames]]);
            open.result.close();
          };
        }),
    );
    expect(reopened).toEqual([0, 1, []]);
  });

  it('exposes navigator.storage only with the StorageAPI features, rejects unknown features, and sends loopback through the proxy', { timeout: 90_000 }, async () => {
    const server = await serverFor();
    const withFeatures = await browserFor({ features: ['StorageAPI', 'StorageAPIEstimate'] });
    const tab = await withFeatures.newTab(`${server.origin}/page/storage`);
    expect(await tab.evaluate(() => typeof navigator.storage?.estimate)).toBe('function');
    expect(await tab.evaluate(async () => (await navigator.storage.estimate()).quota! > 0)).toBe(true);
    await withFeatures.close();

    // A flag the engine does not know fails the launch at once, with the launcher's message.
    await expect(launchWebKit({ features: ['NoSuchFeature'] })).rejects.toThrow(/unknown feature NoSuchFeature/);

    const plain = await browserFor({ proxy: `127.0.0.1:${server.port}` });
    const other = await plain.newTab(`${server.origin}/page/proxied`);
    expect(await other.evaluate(() => typeof navigator.storage)).toBe('undefined');
    expect(server.proxied).toContain(`${server.origin}/page/proxied`);
  });

  it('leaves no driver or browser process behind after close(), only the shared Xvfb', { timeout: 90_000 }, async () => {
    const server = await serverFor();
    const browser = await browserFor();
    await browser.newTab(`${server.origin}/page/a`);
    const pid = browser.pid();
    const driverPid = parentOf(pid);
    expect(comm(driverPid)).toBe('WebKitWebDriver');
    const helpers = descendantsOf(pid);
    expect(helpers.length).toBeGreaterThan(0); // web and network processes
    await browser.close();
    await browser.close(); // idempotent
    for (const p of [pid, driverPid, ...helpers]) expect(gone(p), `pid ${p} (${comm(p)})`).toBe(true);
    const ours = descendantsOf(process.pid).map((p) => `${p} ${comm(p)}`);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(/^\d+ Xvfb$/);
  });

  it("a test file's cleanup (stopAll) takes the browser down with its driver, and the next launch starts Xvfb again", { timeout: 90_000 }, async () => {
    const server = await serverFor();
    const browser = await browserFor();
    await browser.newTab(`${server.origin}/page/a`);
    const pid = browser.pid();
    const driverPid = parentOf(pid);
    const [xvfb, ...others] = descendantsOf(process.pid).filter((p) => comm(p) === 'Xvfb');
    expect(others).toEqual([]);
    // What the vitest setup file runs after each file: SIGTERM to the driver and Xvfb only; the
    // browser is the driver's child, not ours, and must not survive it.
    await stopAll();
    await until(() => gone(pid), 10_000, 'the browser outlived its driver');
    expect([gone(driverPid), gone(xvfb!)]).toEqual([true, true]);
    expect(descendantsOf(process.pid).map((p) => `${p} ${comm(p)}`)).toEqual([]);

    const next = await browserFor();
    const tab = await next.newTab(`${server.origin}/page/b`);
    expect(await tab.evaluate(() => location.pathname)).toBe('/page/b');
    const [xvfbAgain] = descendantsOf(process.pid).filter((p) => comm(p) === 'Xvfb');
    expect(xvfbAgain).toBeDefined();
    expect(xvfbAgain).not.toBe(xvfb);
  });
});

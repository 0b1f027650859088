/**
 * WebKit (Safari's engine) for the cross-browser suite: Debian's WebKitGTK driven over classic W3C
 * WebDriver, behind the same Tab interface as the puppeteer-core browsers (test/helpers/tab.ts).
 *
 * Why not puppeteer-core: WebKitGTK's driver has no WebDriver BiDi (asking for `webSocketUrl`
 * fails capability matching), and puppeteer drives only CDP and BiDi. The client is
 * selenium-webdriver, pointed with `.usingServer()` at a WebKitWebDriver this module starts.
 *
 * What runs, per launch:
 * - Xvfb: the GTK browser has no headless mode. One X server per Node process, on a display number
 *   Xvfb picks itself (`-displayfd`), shared by every launch and started again if it died (the
 *   process registry stops it after each test file).
 * - WebKitWebDriver on a free port: one per browser, since a driver holds one session only.
 * - The browser: not Debian's MiniBrowser, which always uses an ephemeral profile under automation,
 *   but our own small WebKitGTK launcher (test/helpers/webkit-browser/homing-webkit-browser.c) with a
 *   persistent profile directory. It is built here with gcc on first use, once per machine (cached
 *   under node_modules/.cache by a hash of its source). The driver starts it (it is the driver's
 *   child, found through /proc), and it dies with the driver.
 *
 * Needs `apt-get install -y webkit2gtk-driver xvfb gcc libc6-dev`; .ci/run installs what is
 * missing. Anything missing is an error naming the package, never a skipped test.
 *
 * `wipeScriptStorage(userDataDir, origin)` deletes a site's script-written storage from a closed
 * profile and keeps its cookies, as Safari's tracking prevention does after 7 days without user
 * interaction (WebKitGTK's own ITP cannot be made to do it within a test: see there).
 *
 * Tabs are the WebDriver windows of the one session. WebDriver runs every command in its "current"
 * window and one command at a time, so each Tab call switches to its window first, and every
 * command of a browser goes through one promise chain (scenarios call several tabs in Promise.all).
 * A long `evaluate` in one tab therefore holds the others back until it settles.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Builder, type WebDriver } from 'selenium-webdriver';
import { freePort } from './ports.js';
import { runProcess, startProcess, type Managed } from './process.js';
import type { Tab } from './tab.js';

export interface WebKitOptions {
  /**
   * Persistent profile directory: storage, SW registrations and IndexedDB survive a kill and
   * relaunch on it. Without it, a fresh temporary directory (removed by close/kill).
   */
  userDataDir?: string;
  /** host:port of an HTTP proxy for every request (loopback included), optional. */
  proxy?: string;
  /** Extra WebKit feature flags, e.g. ['StorageAPI', 'StorageAPIEstimate'] to expose navigator.storage (absent by default). */
  features?: string[];
}

export interface WebKitBrowser {
  name: 'webkit';
  /** Opens a new tab (a new WebDriver window) on `url` and resolves once loaded. */
  newTab(url: string): Promise<Tab>;
  /** SIGKILL of the browser process (like a crash); resolves once it exited. The session is then dead. */
  kill(): Promise<void>;
  /** The browser's pid (for tests). */
  pid(): number;
  /** Ends the session, stops the browser and the driver. Idempotent. */
  close(): Promise<void>;
  /** Lines that help read a failure (driver/browser stderr, kept bounded). */
  log(): string[];
}

// Two folders down from the repository, both here and bundled into dist/bench/run.js by the bench.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAUNCHER_SOURCE = join(ROOT, 'test/helpers/webkit-browser/homing-webkit-browser.c');
/** The name the launcher reports to the driver; the session's `browserName` must equal it. */
const BROWSER_NAME = 'homing-webkit-browser';
const INSTALL = 'apt-get install -y webkit2gtk-driver xvfb';

// Budgets for a busy 2-core machine: a session takes 0.75–3 s when quiet.
const SESSION_TIMEOUT_MS = 30_000;
/** Page scripts (`evaluate`) and page loads. */
const SCRIPT_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 10_000;
const QUIT_TIMEOUT_MS = 15_000;

export async function launchWebKit(options: WebKitOptions = {}): Promise<WebKitBrowser> {
  const lines: string[] = [];
  const note = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  const started = Date.now();
  const binary = await launcherBinary();
  const display = await sharedDisplay();
  note(`timing: display ${display.name} after ${Date.now() - started} ms (launcher built or cached, Xvfb running)`);
  const ownDir = options.userDataDir ? undefined : mkdtempSync(join(tmpdir(), 'homing-webkit-'));
  const dataDir = options.userDataDir ?? ownDir!;
  mkdirSync(dataDir, { recursive: true });

  const port = await freePort();
  const t0 = Date.now();
  let driverProc: Managed;
  try {
    driverProc = await startProcess({
      name: `WebKitWebDriver :${port}`,
      command: onPath('WebKitWebDriver', 'webkit2gtk-driver'),
      args: [`--port=${port}`, '--host=local'],
      // GTK on the shared X server; NO_AT_BRIDGE spares each browser a D-Bus accessibility bus.
      // A language, as every real Safari has: under LANG=C (CI machines) WebKitGTK's default locale
      // is "C", which its own Intl then refuses (`Intl.NumberFormat()` throws "invalid language tag").
      env: { ...process.env, DISPLAY: display.name, GDK_BACKEND: 'x11', NO_AT_BRIDGE: '1', LANG: 'en_US.UTF-8', LANGUAGE: 'en_US', LC_ALL: '' },
      probe: async () => (await fetch(`http://127.0.0.1:${port}/status`)).ok,
      graceMs: 5_000,
    });
  } catch (err) {
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    throw err;
  }
  const driverPid = driverProc.pid!;
  note(`timing: driver ready in ${Date.now() - t0} ms (display ${display.name})`);
  const outputTail = () => driverProc.output().split('\n').filter(Boolean).slice(-200);

  const args = ['--automation', `--data-dir=${dataDir}`];
  if (options.features?.length) args.push(`--features=${options.features.join(',')}`);
  const capabilities: Record<string, unknown> = {
    browserName: BROWSER_NAME,
    // `args` must contain --automation: the driver passes nothing of its own.
    'webkitgtk:browserOptions': { binary, args },
  };
  if (options.proxy) capabilities.proxy = { proxyType: 'manual', httpProxy: options.proxy };

  let driver: WebDriver;
  let browserPid: number;
  let blank: string;
  const t1 = Date.now();
  try {
    // The driver waits its whole timeout for a browser that died at start (an unknown feature):
    // the launcher's own error line on the shared stderr ends the wait at once.
    const launcherFailed = driverProc.waitForOutput(/^homing-webkit-browser: .*$/m, SESSION_TIMEOUT_MS).then(
      (m) => Promise.reject(new Error(`the WebKit launcher failed: ${m[0]}`)),
      () => new Promise<never>(() => undefined),
    );
    const session = new Builder().disableEnvironmentOverrides().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
    driver = await within(Promise.race([session, launcherFailed]), SESSION_TIMEOUT_MS, 'WebKit session creation');
    note(`timing: session in ${Date.now() - t1} ms`);
    await driver.manage().setTimeouts({ script: SCRIPT_TIMEOUT_MS, pageLoad: SCRIPT_TIMEOUT_MS });
    // The session's first window stays on about:blank for the browser's whole life and is never a
    // Tab: WebDriver ends the session when its last window closes, and scenarios close tabs.
    blank = await driver.getWindowHandle();
    const pid = childrenOf(driverPid).find((p) => cmdline(p)[0] === binary);
    if (pid === undefined) throw new Error('the browser process (a child of the driver) was not found');
    browserPid = pid;
  } catch (err) {
    await stopDriver(driverProc, descendantsOf(driverPid));
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n--- WebKitWebDriver output ---\n${outputTail().join('\n')}`, { cause: err });
  }
  note(`timing: launch in ${Date.now() - started} ms (browser pid ${browserPid}, driver pid ${driverPid})`);

  let chain: Promise<unknown> = Promise.resolve();
  let ended: 'killed' | 'closed' | undefined;
  /** Runs `fn` after every command queued before it (WebDriver: one command, one current window). */
  const queue = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  };
  const serial = <T>(fn: () => Promise<T>): Promise<T> =>
    queue(() => {
      if (ended) throw new Error(`WebKit browser was ${ended} (pid ${browserPid})`);
      return fn();
    });
  let current = blank;
  const switchTo = async (handle: string) => {
    if (current === handle) return;
    await driver.switchTo().window(handle);
    current = handle;
  };

  const makeTab = (handle: string): Tab => {
    let closed = false;
    const evaluate: Tab['evaluate'] = (fn, ...fnArgs) =>
      serial(async () => {
        if (closed) throw new Error('evaluate on a closed tab');
        await switchTo(handle);
        const result = (await driver.executeAsyncScript(evaluateScript(fn.toString()), fnArgs)) as EvalResult;
        if ('error' in result) throw new Error(result.error);
        return (result.undefined ? undefined : result.ok) as never;
      });
    return {
      evaluate,
      async waitFor(fn, timeoutMs = 10_000) {
        const deadline = Date.now() + timeoutMs;
        let lastError: unknown;
        for (;;) {
          try {
            if (await evaluate(fn)) return;
            lastError = undefined;
          } catch (err) {
            // A page in the middle of a navigation cannot answer; a closed tab or dead browser never will.
            if (closed || ended) throw err;
            lastError = err;
          }
          if (Date.now() >= deadline) {
            const why = lastError ? `; last error: ${(lastError as Error).message}` : '';
            throw new Error(`waitFor timed out after ${timeoutMs} ms: ${fn.toString()} stayed falsy${why}`);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      close: () =>
        serial(async () => {
          if (closed) return;
          closed = true;
          await switchTo(handle);
          // The browser destroys the view, which unloads the page as a user's close would.
          await driver.close();
          // New Window needs an open current window: go back to the about:blank one.
          await driver.switchTo().window(blank);
          current = blank;
        }),
    };
  };

  let closing: Promise<void> | undefined;
  const browser: WebKitBrowser = {
    name: 'webkit',
    newTab: (url) =>
      serial(async () => {
        await driver.switchTo().newWindow('window');
        current = await driver.getWindowHandle();
        await driver.get(url); // resolves once loaded (page load strategy "normal")
        return makeTab(current);
      }),
    pid: () => browserPid,
    log: () => [...lines, ...outputTail()],
    // Not queued: a crash does not wait for the commands in flight (they fail).
    kill: () =>
      (closing ??= (async () => {
        ended = 'killed';
        const t = Date.now();
        const helpers = descendantsOf(browserPid);
        signal(browserPid, 'SIGKILL');
        await waitGone([browserPid], EXIT_TIMEOUT_MS);
        note(`timing: browser gone ${Date.now() - t} ms after SIGKILL`);
        // The session died with the browser: the driver goes too; the web and network processes
        // exit by themselves once their UI process is gone.
        await stopDriver(driverProc, helpers);
        if (ownDir) rmSync(ownDir, { recursive: true, force: true });
        note(`timing: kill done in ${Date.now() - t} ms`);
      })()),
    close: () =>
      (closing ??= (async () => {
        const helpers = descendantsOf(browserPid);
        // After the commands already queued (later ones fail); a session stuck behind a hung
        // command is torn down anyway when the driver stops.
        const quit = queue(async () => {
          ended = 'closed';
          await driver.quit();
        });
        const t = Date.now();
        await within(quit, QUIT_TIMEOUT_MS, 'ending the WebKit session').catch((err: Error) => note(`close: ${err.message}`));
        ended = 'closed';
        note(`timing: session ended in ${Date.now() - t} ms (browser ${gone(browserPid) ? 'exited' : 'still running'})`);
        await stopDriver(driverProc, [browserPid, ...helpers]);
        if (ownDir) rmSync(ownDir, { recursive: true, force: true });
        note(`timing: close done in ${Date.now() - t} ms`);
      })()),
  };
  return browser;
}

/**
 * What Safari's tracking prevention (ITP) does to a site after 7 days of browsing without a user
 * interaction with it, done on demand: deletes the site's script-written storage from the profile
 * in `userDataDir` (localStorage, sessionStorage, IndexedDB, service-worker registrations with
 * their scripts, CacheStorage) and keeps its cookies, `document.cookie` ones included. Call it
 * with no browser running on that directory (after `close()` or `kill()`); the next launch on it
 * finds the site as Safari would after the removal. Resolves with the data types that were
 * removed (WebKit's names: 'local-storage', 'indexeddb', 'service-workers', 'cache-storage', …),
 * [] when the site had none.
 *
 * Like ITP, it works on the site (registrable domain), not the origin: every scheme, port and
 * subdomain of `origin`'s site loses its storage; for http://127.0.0.1:PORT that is every port of
 * 127.0.0.1.
 *
 * Done through WebKit itself: the launcher, run as `--remove-data-for=HOST`, opens the profile's
 * WebKitWebsiteDataManager, fetches its records and calls webkit_website_data_manager_remove() on
 * the site's record with the script-writable types: the engine's own deletion, done by the
 * network process's storage managers as ITP's removal is. Not by deleting files: WebKitGTK 2.50
 * keeps service-worker registrations of every origin in one SQLite database
 * (serviceworkers/ServiceWorkerRegistrations-8.sqlite3) and CacheStorage under salted hashes of
 * the origin (CacheStorage/<hash>/); only localStorage (localstorage/http_HOST_PORT.localstorage)
 * and IndexedDB (databases/indexeddb/v1/http_HOST_PORT/) are in directories named by origin.
 * Cookies are in cookies.sqlite, which this does not touch.
 *
 * Why not the real ITP: WebKitGTK has it (webkit_website_data_manager_set_itp_enabled, statistics
 * in itp/observations.db), but its first-party removal cannot be brought about within a test (tried
 * on 2.50.6). The IsFirstPartyWebsiteDataRemoval* feature flags (ReproTesting: due at once;
 * LiveOnTesting: an hour after the last interaction) reach the network process only through
 * NSUserDefaults on Apple platforms; on GTK they set a web-process setting nothing reads, and the
 * mode stays AllButCookies: a site is due once its last user interaction is older than 7 (or 30)
 * *operating days*, days on which the browser ran. Forging those in observations.db hit two more
 * gates: in our tries the statistics pass ran only after a domain new to the database was observed,
 * and a pass drops every script-written-storage removal while some observed domain has had no
 * interaction in the last hour (minimumTimeBetweenDataRecordsRemoval; a new domain has none) - so
 * WebKit deleted a forged-prevalent site's cookies and kept its storage.
 */
export async function wipeScriptStorage(userDataDir: string, origin: string): Promise<string[]> {
  const host = new URL(origin).hostname.replace(/^\[(.*)\]$/, '$1');
  const dir = resolve(userDataDir);
  if (!existsSync(dir)) throw new Error(`wipeScriptStorage: no profile directory ${dir}`);
  const open = runningBrowsersOn(dir);
  if (open.length) throw new Error(`wipeScriptStorage: a browser (pid ${open.join(', ')}) still runs on ${dir}; close or kill it first`);
  const binary = await launcherBinary();
  const display = await sharedDisplay();
  const result = await runProcess(binary, [`--data-dir=${dir}`, `--remove-data-for=${host}`], {
    env: { ...process.env, DISPLAY: display.name, GDK_BACKEND: 'x11', NO_AT_BRIDGE: '1' },
    timeoutMs: SCRIPT_TIMEOUT_MS,
  });
  // The launcher's network process goes once the launcher is gone; a browser started on the
  // directory before that would share the storage with it.
  const helpers = [...result.stdout.matchAll(/^helper (\d+)$/gm)].map((m) => Number(m[1]));
  if (!(await waitGone(helpers, EXIT_TIMEOUT_MS))) for (const pid of helpers) signal(pid, 'SIGKILL');
  await waitGone(helpers, EXIT_TIMEOUT_MS);
  if (result.code !== 0) {
    throw new Error(`wipeScriptStorage(${origin}) failed (exit ${result.code ?? result.signal}):\n${result.stderr}${result.stdout}`);
  }
  return [...result.stdout.matchAll(/^removing \S+\t(.*)$/gm)].flatMap((m) => m[1]!.split(',').filter(Boolean));
}

/** Our launcher's browser processes (not its one-shot data commands) running on `dir`. */
function runningBrowsersOn(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || gone(Number(name))) continue;
    const args = cmdline(Number(name));
    const dataDir = args.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
    if (args[0]?.endsWith(`/${BROWSER_NAME}`) && args.includes('--automation') && dataDir && resolve(dataDir) === dir) out.push(Number(name));
  }
  return out;
}

type EvalResult = { ok: unknown; undefined: boolean } | { error: string };

/**
 * The page side of `evaluate`: the function's source is part of the script the driver compiles
 * (not an eval in the page, which a page's CSP could forbid); its JSON arguments come as the
 * script's first argument, the driver's callback as the last. Errors come back as data, so the
 * page's own message reaches the test.
 */
function evaluateScript(source: string): string {
  return `const done = arguments[arguments.length - 1];
Promise.resolve()
  .then(() => (${source}).apply(null, arguments[0]))
  .then(
    (value) => done({ ok: value === undefined ? null : value, undefined: value === undefined }),
    (e) => done({ error: e && typeof e.message === 'string' ? e.message : String(e) }),
  );`;
}

// ---- processes -------------------------------------------------------------------------------

/** Stops the driver (its browser dies with it) and waits until `pids` exited, SIGKILL after a while. */
async function stopDriver(driver: Managed, pids: number[]): Promise<void> {
  await driver.stop();
  if (!(await waitGone(pids, EXIT_TIMEOUT_MS))) for (const pid of pids) signal(pid, 'SIGKILL');
  await waitGone(pids, EXIT_TIMEOUT_MS);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** `state` and `ppid` from /proc/<pid>/stat; null once the process is gone. */
function stat(pid: number): { state: string; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** Exited: no such process, or a zombie its parent has not reaped yet. */
function gone(pid: number): boolean {
  const s = stat(pid);
  return !s || s.state === 'Z' || s.state === 'X';
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Live children of `ppid`, from /proc (no `ps` needed). */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s && s.ppid === ppid && !gone(Number(name))) out.push(Number(name));
  }
  return out;
}

/** Live descendants of `pid` (children, grandchildren, …). */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  for (let queue = [pid]; queue.length; ) {
    const next = childrenOf(queue.shift()!);
    out.push(...next);
    queue.push(...next);
  }
  return out;
}

async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some((p) => !gone(p))) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function within<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function onPath(command: string, aptPackage: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin']) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  throw new Error(`${command} not found on PATH (Debian package ${aptPackage}: ${INSTALL})`);
}

// ---- the shared X server -----------------------------------------------------------------------

interface Display {
  name: string;
  xvfb: Managed;
}
let display: Promise<Display> | undefined;

/** This process's Xvfb, started on first use and again if it died (stopped after a test file). */
async function sharedDisplay(): Promise<Display> {
  for (;;) {
    const pending = (display ??= startXvfb());
    try {
      const d = await pending;
      if (d.xvfb.running()) return d;
    } catch (err) {
      if (display === pending) display = undefined;
      throw err;
    }
    if (display === pending) display = undefined;
  }
}

async function startXvfb(): Promise<Display> {
  const xvfb = await startProcess({
    name: 'Xvfb',
    command: onPath('Xvfb', 'xvfb'),
    // -displayfd: Xvfb takes the first free display number and prints it on fd 1 once it accepts
    // clients, so concurrent test processes never race for one.
    args: ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    ready: /^(\d+)$/m,
    graceMs: 2_000,
  });
  const number = /^(\d+)$/m.exec(xvfb.output())![1];
  return { name: `:${number}`, xvfb };
}

// ---- the launcher binary -----------------------------------------------------------------------

/** The shared libraries the launcher links against, by full path (there are no -dev packages). */
const LIBRARIES = ['libwebkit2gtk-4.1.so.0', 'libgtk-3.so.0', 'libgobject-2.0.so.0', 'libglib-2.0.so.0'];
const GCC_FLAGS = ['-O1', '-Wall'];
let built: Promise<string> | undefined;

function launcherBinary(): Promise<string> {
  built ??= buildLauncher();
  built.catch(() => (built = undefined));
  return built;
}

async function buildLauncher(): Promise<string> {
  const libDir = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  const libs = LIBRARIES.map((lib) => join(libDir, lib));
  const missing = libs.filter((lib) => !existsSync(lib));
  if (missing.length) throw new Error(`WebKitGTK libraries missing: ${missing.join(', ')} (${INSTALL})`);
  const source = readFileSync(LAUNCHER_SOURCE);
  const hash = createHash('sha256').update(source).update(GCC_FLAGS.join(' ')).update(libs.join(' ')).digest('hex').slice(0, 16);
  const dir = join(ROOT, 'node_modules', '.cache', 'homing-webkit-browser', hash);
  const binary = join(dir, 'homing-webkit-browser');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Another test process may build at the same time: each writes its own file and renames it
  // into place (atomic; the last rename wins with an identical binary).
  const tmp = `${binary}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let result: Awaited<ReturnType<typeof runProcess>>;
  try {
    result = await runProcess('gcc', [...GCC_FLAGS, '-o', tmp, LAUNCHER_SOURCE, ...libs], { timeoutMs: 120_000 });
  } catch (err) {
    throw new Error(`gcc could not run (${(err as Error).message}): apt-get install -y gcc libc6-dev`, { cause: err });
  }
  if (result.code !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`building the WebKit launcher failed:\n${result.stderr}${result.stdout}`);
  }
  renameSync(tmp, binary);
  return binary;
}

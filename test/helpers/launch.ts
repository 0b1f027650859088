/**
 * The one browser-launch helper of the cross-browser suite (test/cross) and the Firefox bench:
 * puppeteer-core drives Chromium over CDP and Firefox over WebDriver BiDi, so one scenario file
 * runs against both (docs/browser-facts.md "Going offline in tests": Playwright cannot drive Debian's Firefox).
 *
 * Binaries: Chromium as test/helpers/browsers.ts resolves it (CHROMIUM_PATH, /usr/bin/chromium,
 * Playwright's own); Firefox from FIREFOX_PATH, else /usr/bin/firefox-esr. No browser is an error
 * naming what was tried, never a skipped test. Each browser's process is registered with
 * test/helpers/process.ts, so none outlives its test file.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { CHROMIUM_ARGS, resolveChromium } from './browsers.js';
import { adoptProcess } from './process.js';

/** The three engines of the cross-browser suite; WebKit is driven by webkit.ts, the others here. */
export type BrowserName = 'chromium' | 'firefox' | 'webkit';
export const BROWSERS: readonly BrowserName[] = ['chromium', 'firefox', 'webkit'];
/** The engines puppeteer-core drives. */
export type PuppeteerBrowserName = Exclude<BrowserName, 'webkit'>;

export function resolveFirefox(): string {
  const tried: string[] = [];
  const fromEnv = process.env.FIREFOX_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    tried.push(`FIREFOX_PATH=${fromEnv} (not found)`);
  } else {
    tried.push('FIREFOX_PATH (not set)');
  }
  if (existsSync('/usr/bin/firefox-esr')) return '/usr/bin/firefox-esr';
  tried.push('/usr/bin/firefox-esr (not found)');
  throw new Error(
    `No Firefox found. Tried: ${tried.join('; ')}. ` +
      'Install one (Debian: apt-get install -y firefox-esr; .ci/run does) or set FIREFOX_PATH.',
  );
}

/**
 * Firefox prefs for the suite. `network.disable-localhost-when-offline` makes the global offline
 * switch (`Services.io.offline`) cut loopback too, the SW's fetches included; without it loopback
 * is exempt (docs/browser-facts.md "Going offline in tests"). `devtools.console.stdout.content` puts page, worker and SW
 * `console.*` lines on Firefox's stdout, the only place SW lines can be read (kept for failures).
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'network.disable-localhost-when-offline': true,
  'devtools.console.stdout.content': true,
};

export interface LaunchOptions {
  /** A fixed profile directory, to relaunch on the same storage and SW registrations. */
  userDataDir?: string;
  /** Firefox only: allow the chrome-privileged helpers (global offline, SW terminate/start). */
  systemAccess?: boolean;
}

export interface Launched {
  name: PuppeteerBrowserName;
  browser: Browser;
  /**
   * Firefox's console lines and uncaught errors (pages, workers and SW alike), for reading a
   * failure; empty for Chromium, whose SW console stays inside DevTools.
   */
  log(): string[];
}

export async function launchBrowser(name: PuppeteerBrowserName, options: LaunchOptions = {}): Promise<Launched> {
  const common = {
    headless: true,
    userDataDir: options.userDataDir,
    // The tests close what they launch; no handlers piling up on the test process.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  } as const;
  const browser =
    name === 'firefox'
      ? await puppeteer.launch({
          ...common,
          browser: 'firefox',
          executablePath: resolveFirefox(),
          args: options.systemAccess ? ['--remote-allow-system-access'] : [],
          extraPrefsFirefox: FIREFOX_PREFS,
        })
      : await puppeteer.launch({ ...common, browser: 'chrome', executablePath: resolveChromium(), args: CHROMIUM_ARGS });
  const lines: string[] = [];
  const proc = browser.process();
  // Registered with the process helper: a test that times out before closing it still leaves no
  // browser running after its file (test/helpers/process.ts stopAll).
  if (proc) adoptProcess(`${name} browser`, proc, 5_000);
  // Firefox prints console lines on stdout (with the pref above) and uncaught errors of pages,
  // workers and service workers on stderr, as `JavaScript error: URL, line N: …`.
  const keep = (prefix: string) => {
    let partial = ''; // a line split across chunks
    return (chunk: Buffer | string) => {
      const parts = (partial + String(chunk)).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (line.startsWith(prefix)) lines.push(line);
      if (lines.length > 2000) lines.splice(0, lines.length - 2000);
    };
  };
  // Drain both pipes for the browser's whole life (Chromium's stderr is all D-Bus noise).
  proc?.stdout?.on('data', name === 'firefox' ? keep('console.') : () => undefined);
  proc?.stderr?.on('data', name === 'firefox' ? keep('JavaScript error: ') : () => undefined);
  return { name, browser, log: () => [...lines] };
}

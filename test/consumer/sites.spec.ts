/**
 * Consumer tests: Homing installed and bundled the ways sites do it, then run in real Chromium
 * against the installed collector.
 *
 * Both packages are packed and installed into fresh projects (consumer-projects.ts); four sites are
 * built there: Vite + vite-plugin-pwa in generateSW mode (Homing's SW through importScripts) and in
 * injectManifest mode (ES import), esbuild + workbox-build injectManifest, and a plain page with the
 * inline stub. Each one tracks, goes offline (and, where the site precaches itself, reopens offline),
 * comes back, and the collector must hold every event exactly once. The packages' declarations are
 * type-checked with `tsc --strict` under `moduleResolution` bundler and node16.
 */
import { expect, test, type Browser } from '@playwright/test';
import { chromium } from '@playwright/test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_ARGS, resolveChromium } from '../helpers/browsers.js';
import { until } from '../helpers/browser-control.js';
import { readEvents, startCollector, type Collector } from '../helpers/collector.js';
import { freePort } from '../helpers/ports.js';
import { startStaticServer, type StaticServer } from '../helpers/static-server.js';
import { buildSite, installConsumerProjects, sh, SITE_NAMES, type ConsumerProjects, type SiteName } from './consumer-projects.js';

test.describe.configure({ mode: 'serial' });

let projects: ConsumerProjects;
let collector: Collector;
let dbPath: string;
let browser: Browser;
const sites = new Map<SiteName, StaticServer>();

test.beforeAll(async () => {
  // Packing, two npm installs (better-sqlite3 compiles from source) and four builds, on 2 busy cores.
  test.setTimeout(20 * 60_000);
  projects = await installConsumerProjects();
  const ports = Object.fromEntries(await Promise.all(SITE_NAMES.map(async (name) => [name, await freePort()] as const))) as Record<SiteName, number>;
  const origins = SITE_NAMES.map((name) => `http://127.0.0.1:${ports[name]}`);
  dbPath = join(projects.root, 'events.sqlite');
  // --origins as a real deployment sets it: only these sites may send.
  collector = await startCollector({ port: await freePort(), dbPath, origins, cliPath: projects.collectorCli });
  for (const name of SITE_NAMES) {
    await buildSite(projects, name, collector.url);
    sites.set(name, await startStaticServer(projects.outputDir(name), ports[name]));
  }
  browser = await chromium.launch({ executablePath: resolveChromium(), args: CHROMIUM_ARGS, headless: true });
});

test.afterAll(async () => {
  await browser?.close();
  await Promise.all([...sites.values()].map((s) => s.close()));
  await collector?.stop();
  projects?.remove();
});

test('both packages install on Node 20 without engine warnings; the browser package brings no dependency', async () => {
  expect(projects.installLogs.site).not.toContain('EBADENGINE');
  expect(projects.installLogs.collector).not.toContain('EBADENGINE');
  const siteRoot = join(projects.siteDir('plain-html'), '..');
  const installed = JSON.parse(readFileSync(join(siteRoot, 'node_modules', 'homing', 'package.json'), 'utf8'));
  expect(installed.dependencies ?? {}).toEqual({});
  // Every file the manifest names (exports, types, sideEffects) is in the tarball.
  const targets = new Set<string>([installed.types, ...installed.sideEffects]);
  for (const value of Object.values(installed.exports as Record<string, string | Record<string, string>>)) {
    for (const target of typeof value === 'string' ? [value] : Object.values(value)) targets.add(target);
  }
  const missing = [...targets].filter((t) => !existsSync(join(siteRoot, 'node_modules', 'homing', t)));
  expect(missing).toEqual([]);
  // npm's own view: homing has nothing under it.
  const { stdout } = await sh('npm', ['ls', 'homing', '--all', '--json'], siteRoot);
  expect(JSON.parse(stdout).dependencies.homing.dependencies ?? {}).toEqual({});
});

test('the declarations type-check with tsc --strict under moduleResolution bundler and node16', async () => {
  const types = join(projects.siteDir('plain-html'), '..', 'types');
  const tsc = join(types, '..', 'node_modules', '.bin', 'tsc');
  for (const config of ['bundler', 'bundler-sw', 'node16', 'node16-sw']) {
    // A type error makes tsc exit non-zero, and sh() fails with its output.
    await sh(tsc, ['-p', `tsconfig.${config}.json`], types);
  }
});

test('a bundler keeps what a site imports: the client for its side effect, the SW module for installHoming', async () => {
  const siteRoot = join(projects.siteDir('plain-html'), '..');
  writeFileSync(join(siteRoot, 'side-effect.js'), "import 'homing';\n");
  writeFileSync(join(siteRoot, 'sw-import.js'), "import { installHoming } from 'homing/sw';\ninstallHoming(self, { collector: 'https://c.example' });\n");
  const esbuild = join(siteRoot, 'node_modules', '.bin', 'esbuild');
  const common = ['--bundle', '--minify', '--format=esm', '--log-level=error'];
  await sh(esbuild, ['side-effect.js', '--outfile=side-effect.out.js', ...common], siteRoot);
  await sh(esbuild, ['sw-import.js', '--outfile=sw-import.out.js', ...common], siteRoot);
  // The client is ~11 KB minified and the SW module ~64 KB; an empty bundle is a few bytes.
  expect(readFileSync(join(siteRoot, 'side-effect.out.js')).length).toBeGreaterThan(8_000);
  expect(readFileSync(join(siteRoot, 'sw-import.out.js')).length).toBeGreaterThan(40_000);
});

for (const name of SITE_NAMES) {
  test(`${name}: tracks, goes offline and back, and the collector holds each event once`, async () => {
    test.setTimeout(180_000);
    const origin = sites.get(name)!.url;
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    try {
      const run = `${name}-${Date.now()}`;
      const stored = () => readEvents(dbPath).filter((row) => row.event.properties?.run === run);
      const track = (from: number, to: number) =>
        page.evaluate(({ run, from, to }) => {
          for (let n = from; n < to; n++) (window as any).site.track('consumer_step', { run, n });
        }, { run, from, to });

      await page.goto(`${origin}/`);
      // Each site's service worker claims the page it installs from.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
      await track(0, 3);
      await page.evaluate(() => (window as any).site.flush());
      await until(() => stored().length === 3, `${name}: the first 3 events stored`, 60_000);

      await context.setOffline(true);
      if (name !== 'plain-html') {
        // These sites precache themselves: the page opens with no network, Homing starts from cache.
        await page.reload();
        await page.waitForFunction(() => typeof (window as any).site === 'object', null, { timeout: 60_000 });
      }
      await track(3, 6);
      const offline = await page.evaluate(() => (window as any).site.flush());
      expect(offline.pending).toBeGreaterThan(0);
      expect(stored()).toHaveLength(3);

      await context.setOffline(false);
      await page.evaluate(() => (window as any).site.flush());
      await until(() => stored().length >= 6, `${name}: all 6 events stored`, 60_000);
      const rows = stored();
      expect(rows).toHaveLength(6);
      expect(new Set(rows.map((r) => r.messageId)).size).toBe(6);
      expect(rows.map((r) => r.event.properties.n).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      // Offline fetch failures are the browser's own log lines, not the site's errors.
      expect(errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
}

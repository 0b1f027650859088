/**
 * The browser libraries' test pages: each library bundled from node_modules with esbuild (one
 * IIFE per library, its lazily imported chunks inlined, so the page loads nothing from the
 * internet), exposed on `window`, and a blank page per library that loads it. Served by the
 * static server from another origin than the collector's, so every request is cross-origin.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';
import { startStaticServer, type StaticServer } from '../helpers/static-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const LIBRARIES = {
  // @segment/analytics-next's browser entry; AnalyticsBrowser.load() is the npm way to start it.
  segment: `import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser;`,
  // The `/bundled` export has every plugin inside; the default export fetches them from a CDN at run time.
  rudder: `import { RudderAnalytics } from '@rudderstack/analytics-js/bundled'; window.RudderAnalytics = RudderAnalytics;`,
} as const;

export type Library = keyof typeof LIBRARIES;

export interface Site extends StaticServer {
  /** The page that loads `library`. */
  page(library: Library): string;
  /** The path of that page (what a page call's `context.page.path` says). */
  path(library: Library): string;
}

export async function startSite(): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), 'homing-clients-'));
  try {
    for (const [name, contents] of Object.entries(LIBRARIES)) {
      await build({
        stdin: { contents, resolveDir: ROOT, loader: 'js', sourcefile: `${name}-entry.js` },
        bundle: true,
        format: 'iife',
        platform: 'browser',
        target: 'chrome120',
        define: { 'process.env.NODE_ENV': '"production"' },
        outfile: join(dir, `${name}.js`),
        logLevel: 'silent',
      });
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><title>${name} test page</title><script src="/${name}.js"></script></head><body><h1>${name}</h1></body></html>\n`);
    }
    const server = await startStaticServer(dir, await freePort());
    return {
      ...server,
      page: (library) => `${server.url}/${library}/`,
      path: (library) => `/${library}/`,
      async close() {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

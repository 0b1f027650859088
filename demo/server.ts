/**
 * Serves the demo page on its own port (another origin than the collector, so CORS is real) with
 * the inline stub pasted into the page and Homing's built bundles at the root, where the service
 * worker's default scope covers the whole site.
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CONTENT_TYPES, inside } from './static-files.js';

export interface DemoServerOptions {
  port: number;
  host: string;
  /** Collector base URL the page sends to. */
  collector: string;
  /** Folder of demo pages. */
  root: string;
  /** Folder of Homing's browser bundles (dist/browser). */
  bundles: string;
  /** `false` for a site whose own service worker imports Homing's (the client then registers none). */
  swUrl?: false;
  /** Folder of the shop's built scripts (app.js, sw.js); defaults to `dist/demo/shop` beside `bundles`. */
  shopBundles?: string;
  /** A read key for the collector's dashboard, put in the shop panel's dashboard link (`#key=`). */
  dashboardKey?: string;
}

/**
 * The demo shop (demo/shop): a single-page app under this prefix, with its own service worker.
 * Its scripts are built (dist/demo/shop), its other files are served from the source folder.
 */
const SHOP = '/shop/';


export function createDemoServer(options: DemoServerOptions): Server {
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://demo.invalid');
      let path = decodeURIComponent(url.pathname);
      if (path.endsWith('/')) path += 'index.html';
      const fromBundles = /^\/homing[\w.-]*\.m?js(\.map)?$/.test(path);
      let file = inside(fromBundles ? options.bundles : options.root, path);
      if (!file) {
        res.writeHead(400).end('bad path');
        return;
      }
      if (path.startsWith(SHOP)) file = await shopFile(file, path, options);
      let body: Buffer | string = await readFile(file);
      if (extname(file) === '.html') body = await withStub(body.toString('utf8'), options, url.searchParams);
      res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR';
      res.writeHead(missing ? 404 : 500, { 'content-type': 'text/plain' }).end(missing ? 'not found' : String(err));
    }
  });
}

/**
 * The file serving a shop path: the source file if there is one, else the built script, else (an
 * extensionless route like /shop/product/sku-1) the app's page, which routes on the client.
 */
async function shopFile(file: string, path: string, options: DemoServerOptions): Promise<string> {
  if (await isFile(file)) return file;
  const built = inside(options.shopBundles ?? join(options.bundles, '..', 'demo', 'shop'), path.slice(SHOP.length));
  if (built && (await isFile(built))) return built;
  return extname(path) === '' ? join(options.root, 'shop', 'index.html') : file;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/**
 * Pastes the stub and the page's configuration where the page has `<!-- homing -->`. A page may
 * carry its own settings over the demo's, as JSON in the marker: `<!-- homing {"swUrl":false} -->`
 * (the shop does: its own service worker imports Homing's). `<!-- homing-demo -->` becomes the
 * collector's URL and the dashboard key, as JSON the shop's panel reads. A page URL
 * with `?swParams=sync%3D0` registers the SW with those extra parameters (tests use it to turn
 * Background Sync off); `?homingConfig=<JSON object>` is merged over the demo's configuration, key
 * by key (tests use it for `consent`, `pii`, `urlParams`).
 */
async function withStub(html: string, options: DemoServerOptions, params: URLSearchParams): Promise<string> {
  const marker = MARKER.exec(html);
  const stub = await readFile(join(options.bundles, 'stub.js'), 'utf8');
  const swParams = params.get('swParams');
  const config = JSON.stringify({
    collector: options.collector,
    ...(swParams ? { swUrl: `/homing-sw.js?${swParams}` } : {}),
    ...(options.swUrl === false ? { swUrl: false } : {}),
    debug: true,
    autocapture: { clicks: true, forms: true, scroll: true, engagement: true },
    dataLayer: true,
    rules: { search_typed: { debounceMs: 300 }, slider_moved: { throttleMs: 500 } },
    ...extraConfig(marker?.[1] ?? null),
    ...extraConfig(params.get('homingConfig')),
  }).replace(/</g, '\\u003c'); // a `</script>` in a value must not end the script
  const snippet =
    `<script>${stub.trim()}\nhoming.init(${config});</script>\n` +
    `<script type="module" async src="/homing.js"></script>`;
  const demo = JSON.stringify({ collector: options.collector, dashboardKey: options.dashboardKey ?? null }).replace(/</g, '\\u003c');
  return html
    .replace(MARKER, () => snippet)
    .replace('<!-- homing-demo -->', () => `<script type="application/json" id="homing-demo">${demo}</script>`);
}

/** `<!-- homing -->`, or `<!-- homing {...} -->` with the page's own settings. */
const MARKER = /<!-- homing(?: (\{.*?\}))? -->/;

/** The `homingConfig` page parameter: a JSON object, or nothing. */
function extraConfig(json: string | null): Record<string, unknown> {
  if (!json) return {};
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('homingConfig must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * `GET /dashboard`: the dashboard page (src/dashboard, bundled by build.mjs into dist/dashboard/).
 * The page itself is public, since it holds no data: everything it shows comes from the report API
 * and the live view, behind a read key the page sends as `Authorization` (never in a URL).
 *
 * The HTML is never cached (`no-cache`), and names its script and stylesheet with a content hash
 * (`?v=`), so those are cached for a year and a new build is picked up at the next page load. A
 * strict Content-Security-Policy allows only this origin's own script, style and fetches.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError } from '../http-error.js';

/** Where the build puts the bundle, seen from dist/collector/*.js (where this file is bundled). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // uPlot positions its parts through element.style (CSSOM), which style-src does not govern.
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const ASSETS: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  /** First 16 hex digits of the SHA-256 of the body: the `?v=` and the ETag. */
  hash: string;
}

interface Bundle {
  html: string;
  assets: Map<string, Asset>;
}

export function registerDashboardRoute(app: FastifyInstance, dir: string = DEFAULT_DASHBOARD_DIR): void {
  let bundle: Bundle | null = null;
  // Read once, on first use: the files do not change under a running process, and a collector
  // started without a built dashboard still serves events.
  const load = (): Bundle => (bundle ??= readBundle(dir));

  const page = async (_request: unknown, reply: FastifyReply) => {
    const { html } = load();
    return reply.headers(PAGE_HEADERS).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  };
  app.get('/dashboard', page);
  app.get('/dashboard/', page);
  // The page names no icon, so browsers ask for /favicon.ico on every load: a 404 would be an
  // error in every dashboard's console. Nothing to show is an answer too, cached for a day.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  app.get<{ Params: { file: string }; Querystring: { v?: string } }>('/dashboard/:file', async (request, reply) => {
    const asset = load().assets.get(request.params.file);
    if (!asset) throw new HttpError(404, 'not-found', `no dashboard file ${request.params.file}`);
    const etag = `"${asset.hash}"`;
    reply.headers({ 'x-content-type-options': 'nosniff', etag });
    // The versioned URL never changes content; an unversioned one must be revalidated.
    reply.header('cache-control', request.query.v === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}

function readBundle(dir: string): Bundle {
  const assets = new Map<string, Asset>();
  let template: string;
  try {
    template = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const [name, type] of Object.entries(ASSETS)) {
      const body = readFileSync(join(dir, name));
      assets.set(name, { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 16) });
    }
  } catch (err) {
    throw new HttpError(503, 'dashboard-not-built', `the dashboard is not built (${(err as NodeJS.ErrnoException).code ?? 'unreadable'} in ${dir}); run node build.mjs`);
  }
  const html = template.replace(/\{\{(dashboard\.(?:js|css))\}\}/g, (_m, name: string) => `/dashboard/${name}?v=${assets.get(name)!.hash}`);
  return { html, assets };
}

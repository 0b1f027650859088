/**
 * What every static server here needs (the demo's and the consumer tests'): content types, and a
 * request path resolved inside a folder, never outside it.
 */
import { normalize, resolve } from 'node:path';

/** Content types by file extension: what module scripts, service workers and the manifest need. */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};

/** Resolves `path` inside `root`, or null when it would escape it. */
export function inside(root: string, path: string): string | null {
  const full = resolve(root, '.' + normalize('/' + path));
  return full.startsWith(resolve(root)) ? full : null;
}

/**
 * After the build: the shop service worker's precache list. Every shell file with a content hash
 * as its revision, written into dist/demo/shop/sw.js where `self.__WB_MANIFEST` stands (workbox's
 * injectManifest convention, without workbox-build and its dependencies). A changed file changes
 * the SW's bytes, so browsers install the new SW, which re-fetches exactly the files that changed.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';

const PLACEHOLDER = 'self.__WB_MANIFEST';

/** URL → file, for what the shop needs to open offline. */
async function shellFiles(out) {
  const files = {
    '/shop/': 'demo/shop/index.html',
    '/shop/shop.css': 'demo/shop/shop.css',
    '/shop/manifest.webmanifest': 'demo/shop/manifest.webmanifest',
    '/shop/icons/icon-192.png': 'demo/shop/icons/icon-192.png',
    '/shop/icons/icon-512.png': 'demo/shop/icons/icon-512.png',
    '/shop/app.js': `${out}/demo/shop/app.js`,
  };
  // Homing's page module, its lazy chunks and its worker (the SW module is inside sw.js already).
  for (const name of await readdir(`${out}/browser`)) {
    if (/^homing(-[\w-]+)?\.js$/.test(name) && name !== 'homing-sw.js') files[`/${name}`] = `${out}/browser/${name}`;
  }
  return files;
}

export async function injectShopManifest(out = 'dist') {
  const swPath = `${out}/demo/shop/sw.js`;
  const sw = await readFile(swPath, 'utf8');
  const at = sw.indexOf(PLACEHOLDER);
  if (at < 0 || sw.indexOf(PLACEHOLDER, at + 1) >= 0) throw new Error(`${swPath}: expected ${PLACEHOLDER} exactly once`);
  const entries = [];
  for (const [url, file] of Object.entries(await shellFiles(out))) {
    const revision = createHash('sha256').update(await readFile(file)).digest('hex').slice(0, 16);
    entries.push({ url, revision });
  }
  await writeFile(swPath, sw.replace(PLACEHOLDER, () => JSON.stringify(entries)));
  return entries.length;
}

// The site's build: esbuild bundles the page and the service worker, Homing's worker script is
// copied beside them, and workbox-build's injectManifest writes the precache list into sw.js.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { injectManifest } from 'workbox-build';

const require = createRequire(import.meta.url);
const define = { COLLECTOR: JSON.stringify(process.env.COLLECTOR), 'process.env.NODE_ENV': '"production"' };
mkdirSync('out', { recursive: true });
await build({ entryPoints: ['src/main.ts'], outfile: 'out/main.js', bundle: true, minify: true, format: 'esm', define });
const sw = await build({ entryPoints: ['src/sw.ts'], outfile: 'out/sw.js', bundle: true, minify: true, format: 'iife', define, metafile: true });
copyFileSync('index.html', 'out/index.html');
copyFileSync(require.resolve('homing/homing-worker.js'), 'out/homing-worker.js');
const { count, warnings } = await injectManifest({ swSrc: 'out/sw.js', swDest: 'out/sw.js', globDirectory: 'out', globPatterns: ['**/*.{js,html}'], globIgnores: ['sw.js'] });
for (const w of warnings) console.warn(w);

// What Homing adds to this service worker, by package: a second workbox-core, if any, shows here.
const bytes = {};
for (const [file, input] of Object.entries(sw.metafile.outputs['out/sw.js'].inputs)) {
  const pkg = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? '(site)';
  bytes[pkg] = (bytes[pkg] ?? 0) + input.bytesInOutput;
}
console.log(JSON.stringify({ precached: count, swBytesByPackage: bytes }));

// No bundler: the stub is pasted into the page, and the package's browser files are served from the
// site's root, as the README's Quick start says.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('homing/stub.js'));
mkdirSync('out', { recursive: true });
for (const file of readdirSync(dist)) if (file.endsWith('.js') && file !== 'homing-sw.mjs') copyFileSync(join(dist, file), join('out', file));
const page = readFileSync('index.template.html', 'utf8')
  .replace('/* STUB */', () => readFileSync(join(dist, 'stub.js'), 'utf8').trim())
  .replace('/* COLLECTOR */', () => process.env.COLLECTOR);
writeFileSync('out/index.html', page);

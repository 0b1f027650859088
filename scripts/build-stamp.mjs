/**
 * Lets `npm start` reuse an up-to-date build. The build records a fingerprint of everything it
 * reads (sources, build scripts, manifests, lock file) and of its flags; `--if-changed` compares it
 * and skips the build when nothing changed and every output it made is still there. A second
 * `npm start` then starts in about a second instead of rebuilding (~10 s quiet, ~50 s on a busy
 * machine).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the build reads. Generated files (src/shared/schemas/generated) are outputs, not inputs. */
const INPUT_DIRS = ['src', 'demo', 'scripts', 'bench'];
const INPUT_FILES = ['build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json', 'packages/homing/package.json', 'packages/homing/README.md', 'packages/collector/package.json', 'packages/collector/README.md'];
const GENERATED = join('src', 'shared', 'schemas', 'generated');

async function walk(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === GENERATED) continue;
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

/** sha256 over each input's path and bytes, in a stable order, plus the build's flags. */
export async function fingerprint(flags) {
  const files = [...INPUT_FILES, ...(await Promise.all(INPUT_DIRS.map(walk))).flat()].sort();
  const hash = createHash('sha256').update(JSON.stringify(flags));
  for (const file of files) {
    hash.update(file).update('\0');
    hash.update(await readFile(file).catch(() => Buffer.from('(missing)'))).update('\0');
  }
  return hash.digest('hex');
}

export async function readStamp(file) {
  return (await readFile(file, 'utf8').catch(() => '')).trim();
}

export async function writeStamp(file, value) {
  await writeFile(file, value + '\n');
}

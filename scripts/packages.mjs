/**
 * After the bundles are built: the two packages this repository publishes, assembled in place so
 * that `npm pack` in packages/homing and packages/collector makes exactly what users install, and
 * so that this repository's own demo imports `homing/sw` through the same files (npm workspaces
 * link node_modules/homing to packages/homing).
 *
 * - packages/homing: the browser runtime. No runtime dependencies: comlink, idb and workbox are
 *   bundled into its scripts, so a website's install brings nothing else.
 * - packages/collector (homing-collector): the Node collector, its dashboard and the schema CLI,
 *   with the server dependencies.
 *
 * Type declarations: only the .d.ts files reachable from a package's entry points are copied, and
 * a bare import in one of them must name a dependency of that package. Otherwise a site type-checking
 * without skipLibCheck would meet `Cannot find module 'idb'` in a package that has no dependencies.
 */
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What each package holds: its folder, the built folders it ships, and its type entry points. */
export const PACKAGES = [
  {
    dir: 'packages/homing',
    // dist/browser is the whole browser runtime: the client and its lazy chunks, stub, worker, SW.
    copy: [['browser', 'dist']],
    typeEntries: ['client/index.d.ts', 'sw/index.d.ts'],
    // Written by hand (tsc does not emit a .d.ts for a .d.ts source); it imports client/index.d.ts.
    handWrittenTypes: [['src/client/global.d.ts', 'client/global.d.ts']],
  },
  {
    dir: 'packages/collector',
    // The collector finds its dashboard and worker threads relative to itself (../dashboard/), so
    // the three folders keep their layout under dist/.
    copy: [['collector', 'dist/collector'], ['dashboard', 'dist/dashboard'], ['schemas-cli', 'dist/schemas-cli']],
    typeEntries: ['collector/index.d.ts'],
    handWrittenTypes: [],
  },
];

/** Copies the built files into each package; with `types`, the reachable declarations too. */
export async function assemblePackages(out, { types }) {
  for (const pkg of PACKAGES) {
    await rm(join(pkg.dir, 'dist'), { recursive: true, force: true });
    for (const [from, to] of pkg.copy) await cp(join(out, from), join(pkg.dir, to), { recursive: true });
    await rm(join(pkg.dir, 'types'), { recursive: true, force: true });
    if (types) await copyTypes(pkg, join(out, 'types'));
  }
}

async function copyTypes(pkg, typesRoot) {
  const manifest = JSON.parse(await readFile(join(pkg.dir, 'package.json'), 'utf8'));
  const allowed = new Set(Object.keys(manifest.dependencies ?? {}));
  const sources = new Map(); // path under types/ → file to copy
  for (const [src, dest] of pkg.handWrittenTypes) {
    try {
      await stat(src);
      sources.set(dest, src);
    } catch {
      // Not written yet: the package then has no `global` types, and the consumer test says so.
    }
  }
  const queue = [...pkg.typeEntries, ...[...sources.keys()]];
  const problems = [];
  while (queue.length > 0) {
    const file = queue.pop();
    const from = sources.get(file) ?? join(typesRoot, file);
    const text = await readFile(from, 'utf8');
    if (!sources.has(file)) sources.set(file, from);
    for (const spec of importSpecifiers(text)) {
      if (spec.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec.replace(/\.js$/, '.d.ts')));
        if (!sources.has(target) && !queue.includes(target)) queue.push(target);
      } else if (!allowed.has(packageName(spec))) {
        problems.push(`${file} imports '${spec}', which ${manifest.name} does not depend on`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`public types of ${manifest.name} reach outside the package:\n  ${problems.join('\n  ')}`);
  for (const [file, from] of sources) {
    const dest = join(pkg.dir, 'types', file);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(from, dest);
  }
}

/** Module specifiers of `import … from`, `export … from`, `import('…')` and `/// <reference types>`. */
function importSpecifiers(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/(?!\/ <reference).*$/gm, '');
  const found = [];
  for (const m of code.matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s*['"]([^'"]+)['"]|<reference\s+types=['"]([^'"]+)['"]/g)) {
    found.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return found;
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * One row per package: the tarball `npm pack` would make (bytes packed and unpacked, files) and
 * its runtime dependencies, direct and in all (resolved through this repository's lock file).
 */
export async function packageReport(lockFile = 'package-lock.json') {
  const lock = JSON.parse(await readFile(lockFile, 'utf8')).packages;
  const rows = [];
  for (const pkg of PACKAGES) {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg.dir });
    const [packed] = JSON.parse(stdout);
    const manifest = JSON.parse(await readFile(join(pkg.dir, 'package.json'), 'utf8'));
    const direct = Object.keys(manifest.dependencies ?? {});
    rows.push({
      name: manifest.name,
      packed: packed.size,
      unpacked: packed.unpackedSize,
      files: packed.entryCount,
      dependencies: direct.length,
      installs: transitive(lock, `${pkg.dir}`, direct).size,
    });
  }
  return rows;
}

/** Every package an install of `direct` brings, following node_modules resolution in the lock. */
function transitive(lock, from, direct) {
  const seen = new Set();
  const visit = (parent, name) => {
    // Node's lookup: parent/node_modules/name, then each ancestor's, then the root's.
    for (let dir = parent; ; dir = posix.dirname(dir)) {
      const key = dir === '.' || dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (lock[key]) {
        if (seen.has(key)) return;
        seen.add(key);
        for (const dep of Object.keys(lock[key].dependencies ?? {})) visit(key, dep);
        for (const [dep, meta] of Object.entries(lock[key].peerDependenciesMeta ?? {})) if (!meta.optional && lock[key].peerDependencies?.[dep]) visit(key, dep);
        return;
      }
      if (dir === '.' || dir === '') return;
    }
  };
  for (const name of direct) visit(from, name);
  return seen;
}

export function printPackageReport(rows) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`${'package'.padEnd(20)}${'packed'.padStart(10)}${'unpacked'.padStart(11)}${'files'.padStart(7)}${'deps'.padStart(6)}${'installs'.padStart(10)}`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(20)}${kb(r.packed).padStart(10)}${kb(r.unpacked).padStart(11)}${String(r.files).padStart(7)}${String(r.dependencies).padStart(6)}${String(r.installs).padStart(10)}`);
  }
}

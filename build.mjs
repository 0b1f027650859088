#!/usr/bin/env node
/**
 * One build script: esbuild bundles every context, then prints raw and gzip sizes of the browser
 * bundles and exits non-zero when one is over its budget (docs/budgets.md). The main-thread
 * client gets the smallest budget because it is the only code on the page's critical path.
 * It then assembles the two published packages (scripts/packages.mjs) and prints their sizes and
 * dependency counts; the demo shop is built last because it imports `homing/sw` from the package.
 *
 *   node build.mjs              production bundles + type declarations
 *   node build.mjs --dev        unminified, dev-mode checks and console lines kept
 *   node build.mjs --no-types   skip the declarations (faster, used by the e2e tests)
 *   node build.mjs --if-changed skip everything when no input changed since the last build (npm start)
 *
 * Before bundling it generates src/shared/schemas/generated/ (the wire-event validator as ajv
 * standalone code); after, it fails if a browser bundle contains `eval(` or `new Function(`.
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { fingerprint, readStamp, writeStamp } from './scripts/build-stamp.mjs';
import { compileSchemas, findEvalUse } from './scripts/compile-schemas.mjs';
import { assemblePackages, packageReport, printPackageReport } from './scripts/packages.mjs';
import { injectShopManifest } from './demo/shop/inject-manifest.mjs';

const dev = process.argv.includes('--dev');
const types = !process.argv.includes('--no-types');
const ifChanged = process.argv.includes('--if-changed');
const OUT = 'dist';
const STAMP = `${OUT}/.inputs-sha256`;
/** src/shared/config.ts's LIBRARY_VERSION, in every bundle: the browser package's version, never copied by hand. */
const VERSION = { __HOMING_VERSION__: JSON.stringify(JSON.parse(await readFile('packages/homing/package.json', 'utf8')).version) };

/** gzip bytes; only the budgets docs/budgets.md sets. The stub is inlined in every page, so it is tiny. */
const BUDGETS = {
  'browser/stub.js': 600,
  // homing.js with every chunk it imports statically: what the page must load before tracking works.
  'critical path': 5 * 1024,
};

const browser = {
  bundle: true,
  minify: !dev,
  sourcemap: true,
  target: ['chrome100', 'firefox115', 'safari16'],
  define: { 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production'), ...VERSION },
  legalComments: 'none',
  logLevel: 'warning',
};

/** Node programs (collector, CLIs, demo server, bench): dependencies stay in node_modules. */
const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  define: VERSION,
  sourcemap: true,
  logLevel: 'warning',
};

const entries = [
  // Inline stub: plain script, pasted into the page's <head>.
  { ...browser, entryPoints: ['src/client/stub/main.ts'], outfile: `${OUT}/browser/stub.js`, format: 'iife', sourcemap: false, target: ['es5'] },
  // The client module the page loads async after the stub, and the chunk it imports after `load`.
  {
    ...browser,
    entryPoints: { homing: 'src/client/main.ts' },
    outdir: `${OUT}/browser`,
    format: 'esm',
    splitting: true,
    chunkNames: 'homing-[name]-[hash]',
  },
  // Classic scripts: a classic worker runs everywhere, and a classic SW can be `importScripts`ed.
  { ...browser, entryPoints: ['src/worker/main.ts'], outfile: `${OUT}/browser/homing-worker.js`, format: 'iife' },
  { ...browser, entryPoints: ['src/sw/main.ts'], outfile: `${OUT}/browser/homing-sw.js`, format: 'iife' },
  // The module a site's own (module) service worker imports.
  { ...browser, entryPoints: ['src/sw/index.ts'], outfile: `${OUT}/browser/homing-sw.mjs`, format: 'esm' },
  // The collector for Node; dependencies stay in node_modules.
  {
    ...node,
    entryPoints: {
      index: 'src/collector/index.ts',
      cli: 'src/collector/cli.ts',
      'sqlite-worker': 'src/collector/store/sqlite-worker.ts',
      // The report queries' own thread and read-only connection (store/reports-worker.ts).
      'reports-worker': 'src/collector/store/reports-worker.ts',
    },
    outdir: `${OUT}/collector`,
  },
  // `homing-schemas`: compiles a site's event schemas for the worker. Like the collector, Node and
  // its dependencies (ajv, esbuild) stay in node_modules.
  { ...node, entryPoints: { cli: 'src/collector/schemas-cli/cli.ts' }, outdir: `${OUT}/schemas-cli` },
  // The demo's static server (npm start, and the e2e tests) and the benchmark runner.
  { ...node, entryPoints: { 'demo/cli': 'demo/cli.ts', 'bench/run': 'bench/run.ts' }, outdir: OUT, sourcemap: false },
  // The dashboard the collector serves at /dashboard: its script, its CSS (uPlot's and its own,
  // imported by the script) and the page, copied as is (routes/dashboard.ts fills in the hashes).
  {
    ...browser,
    entryPoints: { dashboard: 'src/dashboard/main.ts', index: 'src/dashboard/index.html' },
    loader: { '.html': 'copy' },
    outdir: `${OUT}/dashboard`,
    format: 'esm',
    sourcemap: false,
  },
];

/**
 * Built after the packages are assembled: the shop's service worker imports `homing/sw` the way a
 * site does, resolved through node_modules/homing (a workspace link) to packages/homing.
 */
const afterPackages = [
  // The demo shop: its page script, and its own service worker (workbox precaching + Homing's SW
  // module, one classic script), whose precache list injectShopManifest writes after the build.
  { ...browser, entryPoints: { app: 'demo/shop/src/main.ts' }, outdir: `${OUT}/demo/shop`, format: 'esm' },
  { ...browser, entryPoints: { sw: 'demo/shop/sw/sw.ts' }, outdir: `${OUT}/demo/shop`, format: 'iife' },
];

// ── Schemas ─────────────────────────────────────────────────────────────────────────────────────
// The worker and the service worker run under a CSP without 'unsafe-eval', so they cannot let ajv
// compile (it uses `new Function`). Generate the validator as ajv standalone code before bundling;
// esbuild then bundles the ajv runtime helpers it imports. The output is not in git.
const SCHEMAS_OUT = 'src/shared/schemas/generated';

async function generateSchemas() {
  const schema = JSON.parse(await readFile('src/shared/schemas/event.schema.json', 'utf8'));
  const { js, dts } = compileSchemas([{ name: 'validateEvent', schema }]);
  await mkdir(SCHEMAS_OUT, { recursive: true });
  await writeIfChanged(`${SCHEMAS_OUT}/event-validator.js`, js);
  await writeIfChanged(`${SCHEMAS_OUT}/event-validator.d.ts`, dts);
}

/** Leaves an unchanged file alone, so watchers and tsc see no change. */
async function writeIfChanged(file, text) {
  const old = await readFile(file, 'utf8').catch(() => null);
  if (old !== text) await writeFile(file, text);
}

/** The CSP rule, checked on what ships: no `eval(` or `new Function(` in any browser bundle. */
async function checkNoEval() {
  const files = (await readdir(`${OUT}/browser`)).filter((f) => /\.m?js$/.test(f));
  const offenders = [];
  for (const file of files) {
    const found = findEvalUse(await readFile(`${OUT}/browser/${file}`, 'utf8'));
    if (found) offenders.push(`${file}: …${found}…`);
  }
  return offenders;
}
// ─────────────────────────────────────────────────────────────────────────────────────────────────

async function declarations() {
  const run = promisify(execFile);
  const tsc = 'node_modules/typescript/bin/tsc';
  const flags = ['--noEmit', 'false', '--declaration', '--emitDeclarationOnly', '--rootDir', 'src', '--outDir', `${OUT}/types`];
  await Promise.all(['src/client', 'src/sw', 'src/collector'].map((p) => run(process.execPath, [tsc, '-p', p, ...flags])));
}

async function sizes() {
  const rows = [];
  let over = false;
  const chunks = (await readdir(`${OUT}/browser`)).filter((f) => /^homing-[\w-]+-[A-Z0-9]{8}\.js$/.test(f)).map((f) => `browser/${f}`);
  for (const file of ['browser/stub.js', 'browser/homing.js', ...chunks, 'browser/homing-worker.js', 'browser/homing-sw.js', 'browser/homing-sw.mjs']) {
    const bytes = await readFile(`${OUT}/${file}`);
    const gz = gzipSync(bytes, { level: 9 }).length;
    const budget = BUDGETS[file];
    const ok = budget === undefined || gz <= budget;
    if (!ok) over = true;
    rows.push({ file, raw: bytes.length, gzip: gz, budget: budget ?? '-', ok: ok ? 'ok' : 'OVER' });
  }
  // Chunks that homing.js imports statically (not through import()) load with it.
  const main = await readFile(`${OUT}/browser/homing.js`, 'utf8');
  const statics = [...main.matchAll(/\bfrom\s*"\.\/(homing-[\w-]+\.js)"|\bimport\s*"\.\/(homing-[\w-]+\.js)"/g)].map((m) => m[1] ?? m[2]);
  const critical = Buffer.concat(await Promise.all(['homing.js', ...statics].map((f) => readFile(`${OUT}/browser/${f}`))));
  const criticalGz = statics.length === 0 ? rows.find((r) => r.file === 'browser/homing.js').gzip : gzipSync(critical, { level: 9 }).length;
  const criticalOk = criticalGz <= BUDGETS['critical path'];
  if (!criticalOk) over = true;
  rows.push({ file: `critical path (homing.js${statics.map((f) => ' + ' + f).join('')})`, raw: critical.length, gzip: criticalGz, budget: BUDGETS['critical path'], ok: criticalOk ? 'ok' : 'OVER' });
  const pad = (v, n) => String(v).padStart(n);
  console.log(`${'bundle'.padEnd(28)}${pad('raw', 9)}${pad('gzip', 9)}${pad('budget', 9)}`);
  for (const r of rows) console.log(`${r.file.padEnd(28)}${pad(r.raw, 9)}${pad(r.gzip, 9)}${pad(r.budget, 9)}  ${r.ok}`);
  await writeFile(`${OUT}/sizes.json`, JSON.stringify(rows, null, 2));
  return !over;
}

const started = Date.now();
// Outputs that must all exist for a build to count as still there (the stamp lives in dist/ too).
const OUTPUTS = [`${OUT}/collector/cli.js`, `${OUT}/demo/cli.js`, `${OUT}/demo/shop/sw.js`, 'packages/homing/dist/homing.js', 'packages/collector/dist/collector/cli.js'];
const inputs = await fingerprint({ dev, types });
if (ifChanged && (await readStamp(STAMP)) === inputs && OUTPUTS.every((f) => existsSync(f))) {
  console.log(`build up to date (inputs unchanged since the last build; checked in ${Date.now() - started} ms)`);
  process.exit(0);
}
await rm(OUT, { recursive: true, force: true });
await generateSchemas();
await Promise.all(entries.map((options) => build(options)));
const evalUses = await checkNoEval();
if (evalUses.length > 0) {
  console.error(`build failed: eval in a browser bundle, which a CSP without 'unsafe-eval' blocks:\n  ${evalUses.join('\n  ')}`);
  process.exit(1);
}
// The bin needs a shebang; esbuild's banner would also land in index.js, so prepend it here.
for (const cli of [`${OUT}/collector/cli.js`, `${OUT}/schemas-cli/cli.js`]) {
  await writeFile(cli, '#!/usr/bin/env node\n' + (await readFile(cli, 'utf8')));
  await chmod(cli, 0o755); // writeFile's `mode` applies only to a new file, and esbuild made this one
}
if (types) await declarations();
await assemblePackages(OUT, { types });
await Promise.all(afterPackages.map((options) => build(options)));
await injectShopManifest(OUT);
const ok = await sizes();
const packages = await packageReport();
printPackageReport(packages);
await writeFile(`${OUT}/packages.json`, JSON.stringify(packages, null, 2));
console.log(`built ${dev ? 'dev' : 'production'} bundles in ${Date.now() - started} ms`);
if (!ok) {
  console.error('build failed: a bundle is over its gzip budget (docs/budgets.md)');
  process.exit(1);
}
// The browser package promises a website's install brings nothing else.
const browserDeps = packages.find((p) => p.name === 'homing').dependencies;
if (browserDeps !== 0) {
  console.error(`build failed: the browser package declares ${browserDeps} runtime dependencies; bundle them instead`);
  process.exit(1);
}
await writeStamp(STAMP, inputs);

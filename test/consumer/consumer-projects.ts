/**
 * Homing as its users get it: both packages packed with `npm pack` (from the build in packages/),
 * each installed into a fresh project in a temporary folder, and four sites built there with real
 * bundlers. Nothing here reaches into this repository's sources: a site sees only the tarball.
 *
 * - the collector project installs homing-collector and runs its bin;
 * - the site project (sites/package.json: Vite, vite-plugin-pwa, workbox-build, esbuild, TypeScript)
 *   installs homing and builds each site in a subfolder, sharing one node_modules.
 *
 * Installs go through the npm registry (or npm's cache); better-sqlite3 compiles from source where
 * no prebuilt binary can be downloaded, which makes the collector install the slow step (~1–2 min).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SITES = fileURLToPath(new URL('./sites', import.meta.url));

export const SITE_NAMES = ['vite-generate-sw', 'vite-inject-manifest', 'workbox-esbuild', 'plain-html'] as const;
export type SiteName = (typeof SITE_NAMES)[number];

/** Where each site's build lands (what its static server serves). */
const OUTPUT: Record<SiteName, string> = {
  'vite-generate-sw': 'dist',
  'vite-inject-manifest': 'dist',
  'workbox-esbuild': 'out',
  'plain-html': 'out',
};

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs a command, failing with its output; `timeoutMs` is sized for a busy 2-core machine. */
export function sh(command: string, args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 600_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

export interface ConsumerProjects {
  root: string;
  tarballs: { homing: string; collector: string };
  /** The installed collector's bin. */
  collectorCli: string;
  /** npm's output for each install, to check for engine warnings. */
  installLogs: { site: string; collector: string };
  siteDir(name: SiteName): string;
  outputDir(name: SiteName): string;
  remove(): void;
}

async function pack(pkgDir: string, dest: string): Promise<string> {
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', dest], join(REPO, pkgDir));
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  return join(dest, packed.filename);
}

/** Packs both packages and installs them into fresh projects (in parallel: they are independent). */
export async function installConsumerProjects(): Promise<ConsumerProjects> {
  const root = mkdtempSync(join(tmpdir(), 'homing-consumer-'));
  const tarballs = { homing: await pack('packages/homing', root), collector: await pack('packages/collector', root) };

  const siteRoot = join(root, 'sites');
  cpSync(SITES, siteRoot, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(siteRoot, 'package.json'), 'utf8'));
  manifest.dependencies = { homing: `file:${tarballs.homing}` };
  writeFileSync(join(siteRoot, 'package.json'), JSON.stringify(manifest, null, 2));

  const collectorRoot = join(root, 'collector');
  mkdirSync(collectorRoot);
  writeFileSync(join(collectorRoot, 'package.json'), JSON.stringify({ name: 'homing-consumer-collector', private: true, type: 'module', dependencies: { 'homing-collector': `file:${tarballs.collector}` } }, null, 2));

  const install = (dir: string) => sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir, {}, 900_000);
  const [site, collector] = await Promise.all([install(siteRoot), install(collectorRoot)]);

  return {
    root,
    tarballs,
    collectorCli: join(collectorRoot, 'node_modules', 'homing-collector', 'dist', 'collector', 'cli.js'),
    installLogs: { site: site.stdout + site.stderr, collector: collector.stdout + collector.stderr },
    siteDir: (name) => join(siteRoot, name),
    outputDir: (name) => join(siteRoot, name, OUTPUT[name]),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * Builds one site the way its README-reader would, with the collector's URL from the environment.
 * Returns the build's output (the esbuild site prints what each package adds to its SW).
 */
export async function buildSite(projects: ConsumerProjects, name: SiteName, collector: string): Promise<string> {
  const dir = projects.siteDir(name);
  const shared = join(dir, '..', 'shared');
  const env = { VITE_COLLECTOR: collector, COLLECTOR: collector };
  const bin = (tool: string) => join(dir, '..', 'node_modules', '.bin', tool);
  switch (name) {
    case 'vite-generate-sw':
    case 'vite-inject-manifest': {
      // The two Vite sites share their page script; only their service workers differ.
      mkdirSync(join(dir, 'src'), { recursive: true });
      mkdirSync(join(dir, 'public'), { recursive: true });
      cpSync(join(shared, 'vite-main.ts'), join(dir, 'src', 'main.ts'));
      cpSync(join(shared, 'vite-env.d.ts'), join(dir, 'src', 'env.d.ts'));
      if (name === 'vite-generate-sw') await sh(process.execPath, ['copy-homing.mjs'], dir, env);
      const { stdout, stderr } = await sh(bin('vite'), ['build'], dir, env);
      return stdout + stderr;
    }
    case 'workbox-esbuild':
    case 'plain-html': {
      const { stdout, stderr } = await sh(process.execPath, ['build.mjs'], dir, env);
      return stdout + stderr;
    }
  }
}

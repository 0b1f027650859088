/**
 * A site's schemas as the worker gets them: the fixture directory compiled by `homing-schemas`
 * into a temp file, then run as a classic script against a fake worker global (`self`).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterEach, beforeEach } from 'vitest';
import { runSchemasCli } from '../../src/collector/schemas-cli/run.js';

export const SITE_FIXTURES = fileURLToPath(new URL('../fixtures/site-schemas', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runSchemasCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Compiles `dir` to a temp file and returns the script's text. */
export async function compileSiteScript(dir = SITE_FIXTURES): Promise<string> {
  const tmp = mkdtempSync(join(tmpdir(), 'homing-schemas-'));
  try {
    const out = join(tmp, 'homing-schemas.js');
    const run = await runCli(['compile', dir, '--out', out]);
    if (run.code !== 0) throw new Error(`homing-schemas exited ${run.code}: ${run.stderr}`);
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs a classic script the way `importScripts` would, in a fresh realm whose `self` is returned. */
export function runClassicScript(code: string, self: Record<string, unknown> = {}): Record<string, unknown> {
  vm.runInNewContext(code, { self });
  return self;
}

/**
 * A temp folder per test for the schemas command: `dir` (removed after each test), `out` (where the
 * command writes its script), and `schemaDir(files)`, which writes schema files into `dir/schemas`.
 * Call at the top of a test file; the accessors read the current test's paths.
 */
export function schemaWorkspace(prefix: string): { dir(): string; out(): string; schemaDir(files: Record<string, unknown>): string } {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir: () => dir,
    out: () => join(dir, 'out', 'homing-schemas.js'),
    schemaDir(files) {
      const at = join(dir, 'schemas');
      mkdirSync(at, { recursive: true });
      for (const [name, content] of Object.entries(files)) {
        writeFileSync(join(at, name), typeof content === 'string' ? content : JSON.stringify(content));
      }
      return at;
    },
  };
}

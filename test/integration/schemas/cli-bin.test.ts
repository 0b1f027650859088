/**
 * The bundled bin, as `npx homing-schemas` runs it: dist/schemas-cli/cli.js in a child process, so
 * this needs `node build.mjs` first (npm test builds before vitest). The command's logic is tested
 * in-process by test/unit/schemas/cli.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../helpers/process.js';
import { runClassicScript, schemaWorkspace, SITE_FIXTURES } from '../../helpers/site-script.js';

const OBJECT = { type: 'object' };
const ws = schemaWorkspace('homing-schemas-bin-');
const schemaDir = ws.schemaDir;

// The bundled bin, as `npx homing-schemas` runs it; present once `node build.mjs` has run (npm test does).
const BIN = new URL('../../../dist/schemas-cli/cli.js', import.meta.url).pathname;
// Never skipped: without the build this fails and says so.
describe('dist/schemas-cli/cli.js', () => {
  it('exists (run `node build.mjs` first)', () => {
    expect(existsSync(BIN)).toBe(true);
  });

  it('compiles from its own install location and exits 0', async () => {
    const { code, stdout } = await runProcess(BIN, ['compile', SITE_FIXTURES, '--out', ws.out()]);
    expect(code).toBe(0);
    expect(stdout).toContain('purchase_completed');
    expect(Object.keys(runClassicScript(readFileSync(ws.out(), 'utf8')).HOMING_SCHEMAS as object)).toHaveLength(2);
  });

  it('exits 2 on a bad event name', async () => {
    const failure = await runProcess(BIN, ['compile', schemaDir({ 'Bad.json': OBJECT }), '--out', ws.out()]);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('"Bad" is not a valid event name') });
  });
});

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findEvalUse } from '../../../scripts/compile-schemas.mjs';
import { eventNameOf } from '../../../src/collector/schemas-cli/site-schemas.js';
import { runCli, runClassicScript, schemaWorkspace, SITE_FIXTURES } from '../../helpers/site-script.js';

const OBJECT = { type: 'object' };
const ws = schemaWorkspace('homing-schemas-cli-');
const schemaDir = ws.schemaDir;

describe('homing-schemas compile', () => {
  it('writes a classic script registering every schema of a directory, and says what it wrote', async () => {
    const run = await runCli(['compile', SITE_FIXTURES, '--out', ws.out()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^homing-schemas: wrote .*homing-schemas\.js \(\d+ bytes\): newsletter_signed_up, purchase_completed\n$/);
    const code = readFileSync(ws.out(), 'utf8');
    expect(code.startsWith('/* homing-schemas: newsletter_signed_up, purchase_completed */')).toBe(true);
    expect(findEvalUse(code)).toBeNull();
    expect(Object.keys(runClassicScript(code).HOMING_SCHEMAS as object).sort()).toEqual(['newsletter_signed_up', 'purchase_completed']);
  });

  it('takes files as well as directories, with -o', async () => {
    const run = await runCli(['compile', join(SITE_FIXTURES, 'purchase_completed.json'), '-o', ws.out()]);
    expect(run.code).toBe(0);
    expect(Object.keys(runClassicScript(readFileSync(ws.out(), 'utf8')).HOMING_SCHEMAS as object)).toEqual(['purchase_completed']);
  });

  it('names an event by a snake_case title first, else by the file name', () => {
    expect(eventNameOf('s/order.json', { title: 'order_placed' })).toBe('order_placed');
    expect(eventNameOf('s/order_placed.json', { title: 'Order placed' })).toBe('order_placed');
    expect(eventNameOf('s/order_placed.json', {})).toBe('order_placed');
    expect(() => eventNameOf('s/Order Placed.json', { title: 'Order placed' })).toThrow(
      's/Order Placed.json: "Order Placed" is not a valid event name: snake_case (^[a-z][a-z0-9_]*$), at most 64 characters.',
    );
  });

  it('refuses a name that breaks the event-name rule: exit 2, clear message, nothing written', async () => {
    for (const bad of ['PurchaseCompleted', 'purchase-completed', '1st_purchase', 'a'.repeat(65)]) {
      rmSync(join(ws.dir(), 'schemas'), { recursive: true, force: true });
      const run = await runCli(['compile', schemaDir({ [`${bad}.json`]: OBJECT }), '--out', ws.out()]);
      expect(run.code, bad).toBe(2);
      expect(run.stderr).toContain(`${bad}.json: "${bad}" is not a valid event name: snake_case (^[a-z][a-z0-9_]*$), at most 64 characters.`);
      expect(run.stderr).toContain('Rename the file or give the schema a snake_case "title"');
      expect(existsSync(ws.out())).toBe(false);
    }
  });

  it('refuses two schemas for one event', async () => {
    const run = await runCli(['compile', schemaDir({ 'a.json': { ...OBJECT, title: 'signed_up' }, 'signed_up.json': OBJECT }), '--out', ws.out()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/signed_up\.json: event "signed_up" already has a schema, in .*a\.json/);
  });

  it('refuses files that are not schemas, naming the file', async () => {
    const broken = await runCli(['compile', schemaDir({ 'signed_up.json': '{ "type": ' }), '--out', ws.out()]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/signed_up\.json: not valid JSON: /);

    rmSync(join(ws.dir(), 'schemas'), { recursive: true });
    const array = await runCli(['compile', schemaDir({ 'signed_up.json': [] }), '--out', ws.out()]);
    expect(array.code).toBe(2);
    expect(array.stderr).toMatch(/signed_up\.json: a schema file must hold a JSON object/);

    rmSync(join(ws.dir(), 'schemas'), { recursive: true });
    const typo = await runCli(['compile', schemaDir({ 'signed_up.json': { type: 'object', requried: ['plan'] } }), '--out', ws.out()]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/signed_up\.json: strict mode: unknown keyword: "requried"/);
    expect(existsSync(ws.out())).toBe(false);
  });

  it('refuses a missing path and a directory without schemas', async () => {
    const missing = await runCli(['compile', join(ws.dir(), 'nope'), '--out', ws.out()]);
    expect(missing).toMatchObject({ code: 2, stderr: `homing-schemas: ${join(ws.dir(), 'nope')}: no such file or directory\n` });
    const empty = await runCli(['compile', schemaDir({ 'notes.txt': 'x' }), '--out', ws.out()]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no .json schema files in this directory');
  });

  it('exits 1 when the output cannot be written', async () => {
    writeFileSync(join(ws.dir(), 'a-file'), '');
    const run = await runCli(['compile', SITE_FIXTURES, '--out', join(ws.dir(), 'a-file', 'homing-schemas.js')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^homing-schemas: cannot write .*a-file\/homing-schemas\.js: /);
  });
});

describe('homing-schemas usage', () => {
  it('--help prints the usage on stdout and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: homing-schemas compile <dir-or-files\.\.\.> --out <file>\n/);
      expect(run.stdout).toContain('npx homing-schemas compile schemas/ --out public/homing-schemas.js');
      expect(run.stderr).toBe('');
    }
  });

  it.each([
    [[], 'missing command (compile)'],
    [['build', 'schemas'], 'unknown command "build"'],
    [['compile', '--out', 'x.js'], 'compile needs a directory or files of schemas'],
    [['compile', 'schemas'], 'compile needs --out <file>'],
    [['compile', 'schemas', '--out'], "Option '-o, --out <value>' argument missing"],
    [['compile', 'schemas', '--out', 'x.js', '--watch'], "Unknown option '--watch'"],
  ])('%j is a usage error: exit 2', async (argv, message) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr.startsWith(`homing-schemas: ${message}`)).toBe(true);
    expect(run.stderr.endsWith('\nRun homing-schemas --help for usage.\n')).toBe(true);
    expect(run.stdout).toBe('');
  });
});

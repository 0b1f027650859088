/**
 * `homing-schemas`, as a function of its arguments that returns the exit code, so tests run it
 * without a process: 0 done, 1 could not compile or write, 2 bad usage or bad input (a name that
 * breaks the event-name rule, a file that is not a schema). Nothing is written unless all is well.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { compileClassicScript } from '../../../scripts/compile-schemas.mjs';
import { EVENT_NAME_RULE, InputError, readSiteSchemas } from './site-schemas.js';

export const USAGE = `Usage: homing-schemas compile <dir-or-files...> --out <file>

Compiles your own event schemas into a classic script for Homing's worker, which loads it with
importScripts (client option schemasUrl). The worker runs under a Content-Security-Policy without
'unsafe-eval', so the validators are generated now (ajv standalone code), not at run time.

Each .json file (draft-07 JSON Schema) describes one event's \`properties\` object, e.g.
schemas/purchase_completed.json:
  { "type": "object", "required": ["order_id", "total_value", "items"],
    "properties": { "order_id": { "type": "string" }, "total_value": { "type": "number" },
                    "items": { "type": "array" } } }

The event name is the schema's "title" when that is a valid event name, else the file name without
.json. Event names are ${EVENT_NAME_RULE}.

Options:
  -o, --out <file>   where to write the script, e.g. public/homing-schemas.js
  -h, --help         show this help

Example: npx homing-schemas compile schemas/ --out public/homing-schemas.js
`;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export async function runSchemasCli(argv: readonly string[], io: CliIo): Promise<number> {
  const usageError = (message: string) => {
    io.stderr(`homing-schemas: ${message}\nRun homing-schemas --help for usage.\n`);
    return 2;
  };

  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [command, ...paths] = positionals;
  if (command === undefined) return usageError('missing command (compile)');
  if (command !== 'compile') return usageError(`unknown command "${command}"`);
  if (paths.length === 0) return usageError('compile needs a directory or files of schemas');
  if (!values.out) return usageError('compile needs --out <file>');

  let script: string;
  let names: string[];
  try {
    const schemas = await readSiteSchemas(paths);
    names = schemas.map((s) => s.name);
    script = await compileClassicScript(
      schemas.map((s) => ({ name: s.name, schema: s.schema, label: s.file })),
      { banner: `/* homing-schemas: ${names.join(', ')} */` },
    );
  } catch (err) {
    // A schema ajv refuses (strict mode, a bad $ref) is bad input too; the message names its file.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`homing-schemas: ${message}\n`);
    return err instanceof InputError || (err as { code?: unknown }).code === 'invalid-schema' ? 2 : 1;
  }

  try {
    await mkdir(dirname(values.out), { recursive: true });
    await writeFile(values.out, script);
  } catch (err) {
    io.stderr(`homing-schemas: cannot write ${values.out}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  io.stdout(`homing-schemas: wrote ${values.out} (${script.length} bytes): ${names.join(', ')}\n`);
  return 0;
}


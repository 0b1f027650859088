/**
 * `homing-schemas`: compiles a site's event schemas for Homing's worker (see run.ts for the
 * commands and exit codes). Bundled to dist/schemas-cli/cli.js, where the build adds the
 * `#!/usr/bin/env node` line.
 */
import { runSchemasCli } from './run.js';

runSchemasCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`homing-schemas: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

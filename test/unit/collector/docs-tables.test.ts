import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_OPTIONS, USAGE } from '../../../src/collector/cli-options.js';
import { renderGeneratedTables } from '../../../src/collector/docs-tables.js';
import { ERROR_CODES } from '../../../src/collector/http-error.js';

const DOC = new URL('../../../docs/collector.md', import.meta.url);

describe('docs/collector.md, generated from the declarations', () => {
  it('holds the options table and the error codes table as cli-options.ts and http-error.ts declare them', () => {
    const page = readFileSync(DOC, 'utf8');
    const expected = renderGeneratedTables(page);
    // HOMING_WRITE_DOCS=1 npx vitest run test/unit/collector/docs-tables.test.ts rewrites the page.
    if (process.env.HOMING_WRITE_DOCS === '1' && expected !== page) writeFileSync(DOC, expected);
    else expect(page, 'docs/collector.md is stale: HOMING_WRITE_DOCS=1 npx vitest run test/unit/collector/docs-tables.test.ts').toBe(expected);
  });

  it('lists every error code and every option', () => {
    const page = readFileSync(DOC, 'utf8');
    for (const code of Object.keys(ERROR_CODES)) expect(page).toContain(`| \`${code}\` |`);
    for (const spec of Object.values(COLLECTOR_OPTIONS)) {
      expect(page).toContain(`\`${spec.env}`);
      expect(USAGE).toContain(spec.env);
      if (spec.flag !== null) expect(USAGE).toContain(`--${spec.flag}`);
    }
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_OPTIONS, USAGE } from '../../../src/collector/cli-options.js';
import { GENERATED_TABLES, renderGeneratedTables } from '../../../src/collector/docs-tables.js';
import { ERROR_CODES } from '../../../src/collector/http-error.js';

const ROOT = new URL('../../../', import.meta.url);
const read = (page: string) => readFileSync(new URL(page, ROOT), 'utf8');

describe('the docs tables generated from the declarations', () => {
  it.each(Object.keys(GENERATED_TABLES))('%s holds its tables as cli-options.ts and http-error.ts declare them', (page) => {
    const text = read(page);
    const expected = renderGeneratedTables(page, text);
    // HOMING_WRITE_DOCS=1 npx vitest run test/unit/collector/docs-tables.test.ts rewrites the page.
    if (process.env.HOMING_WRITE_DOCS === '1' && expected !== text) writeFileSync(new URL(page, ROOT), expected);
    else expect(text, `${page} is stale: HOMING_WRITE_DOCS=1 npx vitest run test/unit/collector/docs-tables.test.ts`).toBe(expected);
  });

  it('lists every error code and every option', () => {
    const endpoints = read('docs/endpoints.md');
    for (const code of Object.keys(ERROR_CODES)) expect(endpoints).toContain(`| \`${code}\` |`);
    const page = read('docs/collector.md');
    for (const spec of Object.values(COLLECTOR_OPTIONS)) {
      expect(page).toContain(`\`${spec.env}`);
      expect(USAGE).toContain(spec.env);
      if (spec.flag !== null) expect(USAGE).toContain(`--${spec.flag}`);
    }
  });
});

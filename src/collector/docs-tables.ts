/**
 * The tables of the docs generated from their declarations: the options in docs/collector.md
 * (cli-options.ts' COLLECTOR_OPTIONS) and the error codes in docs/endpoints.md (http-error.ts'
 * ERROR_CODES). Each sits
 * between `<!-- generated: NAME -->` and `<!-- /generated: NAME -->`; the rest of the page is written
 * by hand. test/unit/collector/docs-tables.test.ts fails when a page differs from what this
 * writes, and rewrites it when run with HOMING_WRITE_DOCS=1.
 */
import { optionsTableMarkdown } from './cli-options.js';
import { ERROR_CODES } from './http-error.js';

export function errorCodesTableMarkdown(): string {
  const rows = Object.entries(ERROR_CODES)
    .sort(([a, x], [b, y]) => x.status - y.status || a.localeCompare(b))
    .map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning.replace(/\|/g, '\\|')} |`);
  return ['| `error` | status | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Each page (a path from the repository's root) and the tables generated into it. */
export const GENERATED_TABLES: Readonly<Record<string, Readonly<Record<string, () => string>>>> = {
  'docs/collector.md': { options: optionsTableMarkdown },
  'docs/endpoints.md': { 'error-codes': errorCodesTableMarkdown },
};

/** The page with each of its generated regions rewritten; throws when a region's markers are missing. */
export function renderGeneratedTables(page: string, markdown: string): string {
  let out = markdown;
  for (const [name, render] of Object.entries(GENERATED_TABLES[page] ?? {})) {
    const open = `<!-- generated: ${name} -->`;
    const close = `<!-- /generated: ${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`docs: no region ${open} … ${close}`);
    out = `${out.slice(0, start + open.length)}\n${render()}\n${out.slice(end)}`;
  }
  return out;
}

// Types for compat-table.mjs (used by the client-compatibility suite's reporter).
export interface CompatCell {
  client: string;
  package: string;
  version: string;
  feature: string;
  outcome: 'pass' | 'fail' | 'n/a';
  detail?: string;
}
export const RESULTS_PATH: string;
export const DOC_PATH: string;
export function renderTable(results: { cells: readonly CompatCell[] }): string;

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
export const START: string;
export const END: string;
/** The generated region (markers included) for a run's results. */
export function renderTable(results: { cells: readonly CompatCell[] }): string;
/** The generated region of a page, or null when it has none. */
export function generatedRegion(text: string): string | null;
/** `existing` with its region replaced by `table`, or a new page around it. */
export function renderDoc(table: string, existing: string | null): string;

// Types for matrix.mjs (plain JavaScript so scripts/compat-table.mjs runs with node alone).
export type FeatureId = 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias' | 'lost-answer' | 'status-503';
export type CallType = 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias';

export interface Feature {
  id: FeatureId;
  title: string;
}

export interface Client {
  id: string;
  package: string;
  runtime: string;
  transport: string;
  /** Title of the test that sends every call type. */
  calls: string;
  /** Title of the test that checks the resends, or null when none applies. */
  faults: string | null;
  /** Features the client does not have or that are not tested for it, with the reason. */
  na: Partial<Record<FeatureId, string>>;
  /** A fact about the library that the table's reader needs. */
  note?: string;
}

export const FEATURES: readonly Feature[];
export const CALLS: readonly CallType[];
export const CLIENTS: readonly Client[];
export function testFor(client: Client, feature: FeatureId): string | null;

/**
 * The conventions an event is held to at the collector, and what breaking one costs, by sender.
 *
 * Two families of rules sit above the wire schema's structure (which every event must have):
 * Homing's naming convention (src/shared/schemas/naming.ts: snake_case event names, identifier-like
 * property names) and a site's own schemas per event name (`--schemas`, the files `homing-schemas`
 * compiles for the worker). What happens to an event that breaks one is its sender's policy:
 *
 * - `reject`: refused with a receipt (`invalid-event` for a name, `invalid-properties` for a site
 *   schema), exactly as Homing's worker refuses it in the browser.
 * - `flag`: stored, and counted by rule in the quality report and the audit. For clients that cannot
 *   be changed: Segment's Spec names events `Order Completed`, and no Segment-compatible library
 *   reads receipts, so a rejection inside a 200 would be a loss nobody sees.
 * - `off`: stored, not counted.
 *
 * Whose policy: the key's, when the keys file gives it one (`policy=flag`); else `reject` for
 * Homing's own libraries (the SDK, whose worker already enforces both, and the pixel), so events
 * handed over when a tab closes, which skip the worker, meet the same rules; else the collector's
 * `--conventions` setting for every other library (default `flag`).
 */
import type { WireEvent } from '../shared/event.js';
import { siteSchemaReason, type StandaloneValidateFn } from '../shared/schemas/event-checks.js';
import { namingProblem } from '../shared/schemas/naming.js';
import { HOMING_LIBRARIES, libraryName } from './libraries.js';
import type { FlagRule } from './observe.js';
import type { RejectionCode } from './validate.js';

export const CONVENTION_POLICIES = ['reject', 'flag', 'off'] as const;
export type ConventionPolicy = (typeof CONVENTION_POLICIES)[number];

/** What the conventions make of one structurally valid event. */
export type ConventionVerdict =
  | { reject: { code: RejectionCode; reason: string } }
  | { reject?: undefined; flags: FlagRule[] | null };

export interface ConventionCheckOptions {
  /** The policy for libraries other than Homing's, when the key sets none. */
  otherLibraries: ConventionPolicy;
  /** A site's validators of `properties`, by event name (track events only, as in the worker). */
  siteSchemas?: ReadonlyMap<string, StandaloneValidateFn>;
}

export type ConventionCheck = (event: WireEvent, keyPolicy: ConventionPolicy | undefined) => ConventionVerdict;

const CLEAN: ConventionVerdict = { flags: null };

export function createConventionCheck(options: ConventionCheckOptions): ConventionCheck {
  const { otherLibraries, siteSchemas } = options;
  return (event, keyPolicy) => {
    const policy = keyPolicy ?? (HOMING_LIBRARIES.has(libraryName(event)) ? 'reject' : otherLibraries);
    if (policy === 'off') return CLEAN;
    let flags: FlagRule[] | null = null;
    const naming = namingProblem(event);
    if (naming) {
      if (policy === 'reject') return { reject: { code: 'invalid-event', reason: naming.reason } };
      flags = [naming.rule];
    }
    const validate = siteSchemas && event.type === 'track' && event.event !== undefined ? siteSchemas.get(event.event) : undefined;
    // No properties is an empty object, so the site schema's `required` still speaks.
    if (validate && !validate(event.properties ?? {})) {
      if (policy === 'reject') return { reject: { code: 'invalid-properties', reason: siteSchemaReason(event.event!, validate) } };
      (flags ??= []).push('site-schema');
    }
    return flags ? { flags } : CLEAN;
  };
}

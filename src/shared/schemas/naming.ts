/**
 * Homing's naming convention, apart from the wire schema's structure: snake_case event names and
 * identifier-like property and trait names. Homing's worker always enforces it (a site's own events
 * follow it from the first call). The collector applies it by policy, because Segment's Spec itself
 * names events `Order Completed` and real clients send such names: `reject`, `flag` (stored and
 * counted as a quality problem) or `off` (src/collector/event-policy.ts).
 *
 * Both places call `namingProblem`, so a name gets the same verdict and the same words in each.
 */

/** A convention rule an event can break; the code the quality report counts it under. */
export type NamingRule = 'event-name' | 'property-name';

export const EVENT_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
export const MAX_EVENT_NAME_LENGTH = 64;
export const PROPERTY_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_PROPERTY_NAME_LENGTH = 64;

/** How the rule reads in errors and docs. */
export const EVENT_NAME_RULE = `snake_case (${EVENT_NAME_PATTERN.source}), at most ${MAX_EVENT_NAME_LENGTH} characters`;

export interface NamingProblem {
  rule: NamingRule;
  reason: string;
}

export function isEventName(name: string): boolean {
  return name.length <= MAX_EVENT_NAME_LENGTH && EVENT_NAME_PATTERN.test(name);
}

function isPropertyName(name: string): boolean {
  return name.length <= MAX_PROPERTY_NAME_LENGTH && PROPERTY_NAME_PATTERN.test(name);
}

/**
 * The first convention the event breaks, or null. Takes the event as the wire schema accepted it.
 * Only the top-level keys of `properties` and `traits` are names the convention covers: nested
 * objects are values (a product, an address) whose keys belong to whatever they describe. The
 * reasons read as ajv's did when the rules were part of the wire schema, so they stay familiar.
 */
export function namingProblem(event: { type: string; event?: string; properties?: object; traits?: object }): NamingProblem | null {
  if (event.type === 'track' && event.event !== undefined && !isEventName(event.event)) {
    return { rule: 'event-name', reason: `/event ${breach(event.event, EVENT_NAME_PATTERN, MAX_EVENT_NAME_LENGTH)}` };
  }
  for (const field of ['properties', 'traits'] as const) {
    const bag = event[field];
    if (bag === undefined) continue;
    for (const key in bag) {
      if (!isPropertyName(key)) {
        return { rule: 'property-name', reason: `/${field} property name ${quote(key)} ${breach(key, PROPERTY_NAME_PATTERN, MAX_PROPERTY_NAME_LENGTH)}` };
      }
    }
  }
  return null;
}

function breach(name: string, pattern: RegExp, max: number): string {
  return name.length > max ? `must NOT have more than ${max} characters` : `must match pattern "${pattern.source}"`;
}

/** A name as sent, cut short: it may be the 200-character string that broke the rule. */
function quote(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}

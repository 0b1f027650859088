/**
 * Validation in the worker: the wire-event schema (src/shared/schemas/event.schema.json, the one
 * the collector checks too), the checks JSON Schema cannot express (32 KB of JSON, representable
 * dates), Homing's naming convention (always enforced here: the collector only flags it for other
 * libraries), then a site's own schema for the event's name, if it registered one.
 *
 * The worker runs under a Content-Security-Policy without 'unsafe-eval', and ajv's `compile()`
 * uses `new Function`. So every validator here is ajv standalone code compiled ahead of time: the
 * wire schema by build.mjs (src/shared/schemas/generated/), a site's schemas by `homing-schemas
 * compile`, into a classic script the worker loads with `importScripts` (see loadSiteSchemas).
 */
import type { ValidationCode } from '../shared/errors.js';
import type { WireEvent } from '../shared/event.js';
import { checkBeyondSchema, describeErrors, siteSchemaReason, type StandaloneValidateFn } from '../shared/schemas/event-checks.js';
import { validateEvent } from '../shared/schemas/generated/event-validator.js';
import { namingProblem } from '../shared/schemas/naming.js';

export type { StandaloneValidateFn };

/** Where a site's compiled schemas put themselves: `self.HOMING_SCHEMAS = { [eventName]: validate }`. */
export const SITE_SCHEMAS_GLOBAL = 'HOMING_SCHEMAS';

export type { ValidationCode };

/** An event's check in the browser (the collector's own is `ValidationResult`, src/collector/validate.ts). */
export type EventValidation = { ok: true } | { ok: false; code: ValidationCode; reason: string };

/**
 * `siteSchemas` maps an event name to a validator of that event's `properties` (track events
 * only). Reasons name the field: `/event must match pattern "^[a-z][a-z0-9_]*$"`,
 * `event is 40123 bytes of JSON; at most 32768`, `purchase_completed: /properties/order_id is required`.
 */
export function createEventValidator(siteSchemas?: Record<string, StandaloneValidateFn>): (event: WireEvent) => EventValidation {
  // A Map, not the object: an event named `constructor` must not find Object.prototype's.
  const perEvent = new Map(Object.entries(siteSchemas ?? {}));

  return (event) => {
    if (!validateEvent(event)) return { ok: false, code: 'invalid-event', reason: describeErrors(validateEvent.errors ?? []) };
    const failure = checkBeyondSchema(event);
    if (failure) return { ok: false, ...failure };
    const naming = namingProblem(event);
    if (naming) return { ok: false, code: 'invalid-event', reason: naming.reason };
    const validate = event.type === 'track' && event.event !== undefined ? perEvent.get(event.event) : undefined;
    // No properties is an empty object, so the site schema's `required` still speaks.
    if (!validate || validate(event.properties ?? {})) return { ok: true };
    return { ok: false, code: 'invalid-properties', reason: siteSchemaReason(event.event!, validate) };
  };
}

/**
 * The validators a site's compiled schemas registered on the global scope, or `undefined` when no
 * such script ran. Call after `importScripts(schemasUrl)`. Throws a TypeError when the global is
 * set but is not an object of functions, so a broken script is reported rather than ignored.
 */
export function loadSiteSchemas(scope: object = globalThis): Record<string, StandaloneValidateFn> | undefined {
  const value: unknown = (scope as Record<string, unknown>)[SITE_SCHEMAS_GLOBAL];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new TypeError(`${SITE_SCHEMAS_GLOBAL} is ${value === null ? 'null' : typeof value}, not an object of validators`);
  const schemas: Record<string, StandaloneValidateFn> = {};
  for (const [name, fn] of Object.entries(value)) {
    if (typeof fn !== 'function') throw new TypeError(`${SITE_SCHEMAS_GLOBAL}.${name} is ${typeof fn}, not a validator function`);
    schemas[name] = fn as StandaloneValidateFn;
  }
  return schemas;
}

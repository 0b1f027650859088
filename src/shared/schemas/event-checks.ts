/**
 * What event.schema.json cannot say, and how a failed check reads. The worker (ajv standalone
 * code, src/capture/validate.ts) and the collector (ajv at run time, src/collector/validate.ts) both
 * call these, so an event gets the same verdict, code and wording in both places.
 */

/** Longest accepted event, as `JSON.stringify(event).length`, when the worker checks it. */
export const MAX_EVENT_JSON_LENGTH = 32 * 1024;

/**
 * What the service worker adds after the worker's check (sequence number, session, first and
 * last touch, `sentAt`). The collector allows this much more, so an event the worker accepted is
 * never rejected as too large after the journey.
 */
export const DELIVERY_HEADROOM = 2 * 1024;

/**
 * Deepest nesting of an event, the event object being level 1. The collector refuses a whole
 * request body nested deeper than 64 levels (a parser-safety limit, before any event is looked
 * at), and a batch body adds two levels above each event; so refusing deep events here, one by
 * one, keeps a single bad event from costing its whole batch a 400.
 */
export const MAX_EVENT_DEPTH = 32;

/** One ajv error. Structural, so ajv's `ErrorObject` and standalone code's plain objects both fit. */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  /** Set when the error is about an object's key (`propertyNames`), not a value. */
  propertyName?: string;
  message?: string;
}

/**
 * An ajv standalone validator: `errors` holds why the last call returned false. Both the build's
 * wire-event validator and a site's compiled schemas (`homing-schemas`) have this shape; the
 * generated declarations (scripts/compile-schemas.mjs) import it from here rather than restate it.
 */
export interface StandaloneValidateFn {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

export interface CheckFailure {
  code: 'invalid-event' | 'too-large';
  reason: string;
}

/** The date fields an event may carry; the schema checks their form, `checkDates` their value. */
const DATE_FIELDS = ['timestamp', 'originalTimestamp', 'sentAt'] as const;

/**
 * Dates that `Date` can hold. The `date-time` format accepts a leap second (…:60) that Date cannot
 * represent; skew correction and the collector's `ts` column need real numbers.
 */
export function checkDates(event: { timestamp?: string; originalTimestamp?: string; sentAt?: string }): CheckFailure | null {
  for (const field of DATE_FIELDS) {
    const value = event[field];
    if (value !== undefined && !Number.isFinite(Date.parse(value))) {
      return { code: 'invalid-event', reason: `/${field} is not a representable date` };
    }
  }
  return null;
}

/**
 * The rules after the schema has passed: dates that `Date` can hold, and the size limit. Takes
 * the event as the schema accepted it.
 */
export function checkBeyondSchema(event: { timestamp?: string; sentAt?: string }, maxLength = MAX_EVENT_JSON_LENGTH): CheckFailure | null {
  const dates = checkDates(event);
  if (dates) return dates;
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (err) {
    // A cycle or a BigInt: possible in the worker, whose input came by structured clone.
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { code: 'invalid-event', reason: `event is not serialisable as JSON: ${why}` };
  }
  const length = json.length;
  if (length > maxLength) {
    return { code: 'too-large', reason: `event is ${length} bytes of JSON; at most ${maxLength}` };
  }
  if (jsonNestsDeeper(json, MAX_EVENT_DEPTH)) {
    return { code: 'invalid-event', reason: `event nests deeper than ${MAX_EVENT_DEPTH} levels` };
  }
  return null;
}

/** Whether JSON text nests deeper than `limit`: brackets counted outside strings, escapes skipped. */
export function jsonNestsDeeper(json: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * Why `properties` failed a site's schema for event `name` (called after `validate` returned
 * false). The site validator saw `properties` as its root; the paths are pointed at the event's
 * field, so the reason reads `purchase_completed: /properties/order_id is required`.
 */
export function siteSchemaReason(name: string, validate: StandaloneValidateFn): string {
  const errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: `/properties${e.instancePath}` }));
  return `${name}: ${describeErrors(errors)}`;
}

/** One human-readable line naming the field, e.g. `/event must match pattern "^[a-z][a-z0-9_]*$"`. */
export function describeErrors(errors: readonly SchemaError[]): string {
  // A failed anyOf of `required` branches reads better as "one of … is required" than as the
  // first branch's error (which would wrongly suggest that exact field is mandatory).
  const anyOf = errors.find((e) => e.keyword === 'anyOf');
  if (anyOf) {
    const branches = errors.filter((e) => e.schemaPath.startsWith(`${anyOf.schemaPath}/`));
    if (branches.length > 0 && branches.every((e) => e.keyword === 'required')) {
      const names = branches.map((e) => `${e.instancePath}/${String(e.params.missingProperty)}`);
      return `one of ${names.join(', ')} is required`;
    }
  }
  // `if` only says "must match then schema", `propertyNames` only "property name must be valid";
  // the error before each names the field.
  const first = errors.find((e) => e.keyword !== 'if' && e.keyword !== 'anyOf' && e.keyword !== 'propertyNames') ?? errors[0];
  if (!first) return 'event is invalid';
  if (first.keyword === 'required') return `${first.instancePath}/${String(first.params.missingProperty)} is required`;
  const where = first.instancePath === '' ? 'event' : first.instancePath;
  const key = first.propertyName === undefined ? '' : ` property name ${quoteName(first.propertyName)}`;
  const allowed = first.keyword === 'enum' ? `: ${(first.params.allowedValues as unknown[]).join(', ')}` : '';
  return `${where}${key} ${first.message ?? 'is invalid'}${allowed}`;
}

/** A key as sent, cut short: it may be the 40 KB string that broke the rule. */
function quoteName(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
}

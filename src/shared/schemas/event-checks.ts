/**
 * What event.schema.json cannot say, and how a failed check reads. The worker (ajv standalone
 * code, src/worker/validate.ts) and the collector (ajv at run time, src/collector/validate.ts) both
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
 * wire-event validator and a site's compiled schemas (`homing-schemas`) have this shape.
 */
export interface StandaloneValidateFn {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

export interface CheckFailure {
  code: 'invalid-event' | 'too-large';
  reason: string;
}

/**
 * The rules after the schema has passed: dates that `Date` can hold, and the size limit. Takes
 * the event as the schema accepted it (so `timestamp` is a string).
 */
export function checkBeyondSchema(event: { timestamp: string; sentAt?: string }, maxLength = MAX_EVENT_JSON_LENGTH): CheckFailure | null {
  // The `date-time` format accepts a leap second (…:60) that Date cannot represent; skew
  // correction and the collector's `ts` column need real numbers.
  if (!Number.isFinite(Date.parse(event.timestamp))) {
    return { code: 'invalid-event', reason: '/timestamp is not a representable date' };
  }
  if (event.sentAt !== undefined && !Number.isFinite(Date.parse(event.sentAt))) {
    return { code: 'invalid-event', reason: '/sentAt is not a representable date' };
  }
  let length: number;
  try {
    length = JSON.stringify(event).length;
  } catch (err) {
    // A cycle or a BigInt: possible in the worker, whose input came by structured clone.
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { code: 'invalid-event', reason: `event is not serialisable as JSON: ${why}` };
  }
  if (length > maxLength) {
    return { code: 'too-large', reason: `event is ${length} bytes of JSON; at most ${maxLength}` };
  }
  return null;
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

/**
 * Per-event validation against the same JSON Schema the worker uses, and the triage of a batch into
 * events to store, in-batch repeats and rejections. One bad event never sinks the others: each gets
 * its own receipt.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { RejectedReceipt, WireEvent } from '../shared/event.js';
import schema from '../shared/schemas/event.schema.json' with { type: 'json' };

export type ValidationResult =
  | { ok: true; event: WireEvent }
  | { ok: false; code: RejectionCode; reason: string };

export type RejectionCode = 'invalid-event';

export type EventValidator = (raw: unknown) => ValidationResult;

/**
 * A rejection receipt plus the event's position in the batch. `messageId` is the id as sent when it
 * is a non-empty string (so the client can settle that event even if the id is what is wrong), and
 * `''` otherwise; `index` then still tells which event it was. Extra fields are additive on the wire.
 */
export interface IndexedRejection extends RejectedReceipt {
  index: number;
}

export interface BatchTriage {
  /** Valid events, first copy of each id, in batch order. */
  valid: WireEvent[];
  /** Ids of valid events that repeat an earlier valid event of the same batch. */
  repeated: string[];
  rejected: IndexedRejection[];
}

/** Compiles the schema once; the returned function is what runs per event. */
export function createEventValidator(): EventValidator {
  // allErrors off: the first error is enough for a reason, and stopping early is cheaper. Strict
  // mode catches schema typos, minus two rules the shared schema breaks on purpose: `anyOf`
  // branches that only list `required` names, and `then` branches that add a `pattern` without
  // repeating `type` (the outer `properties` already says string).
  // strictRequired off: `required` inside anyOf/allOf branches names properties declared at the top.
  const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false });
  // ajv-formats is CommonJS; under nodenext its default export is the module object.
  addFormats.default(ajv, ['date-time']);
  const check = ajv.compile<WireEvent>(schema);

  return (raw) => {
    if (!check(raw)) return { ok: false, code: 'invalid-event', reason: describeErrors(check.errors ?? []) };
    // The `date-time` format accepts a leap second (…:60) that Date cannot represent; skew
    // correction and the `ts` column need real numbers.
    if (!Number.isFinite(Date.parse(raw.timestamp))) {
      return { ok: false, code: 'invalid-event', reason: '/timestamp is not a representable date' };
    }
    if (raw.sentAt !== undefined && !Number.isFinite(Date.parse(raw.sentAt))) {
      return { ok: false, code: 'invalid-event', reason: '/sentAt is not a representable date' };
    }
    return { ok: true, event: raw };
  };
}

export function triageBatch(items: readonly unknown[], validate: EventValidator): BatchTriage {
  const valid: WireEvent[] = [];
  const repeated: string[] = [];
  const rejected: IndexedRejection[] = [];
  const seen = new Set<string>();
  items.forEach((raw, index) => {
    const result = validate(raw);
    if (!result.ok) {
      rejected.push({ messageId: idOf(raw), code: result.code, reason: result.reason, index });
      return;
    }
    const id = result.event.messageId;
    // A second copy in one batch is answered like a resend: a duplicate, stored once.
    if (seen.has(id)) repeated.push(id);
    else {
      seen.add(id);
      valid.push(result.event);
    }
  });
  return { valid, repeated, rejected };
}

function idOf(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '';
  const id = (raw as { messageId?: unknown }).messageId;
  return typeof id === 'string' ? id : '';
}

/** One human-readable line naming the field, e.g. `/event must match pattern "^[a-z][a-z0-9_]*$"`. */
export function describeErrors(errors: readonly ErrorObject[]): string {
  // A failed anyOf of `required` branches reads better as "one of … is required" than as the
  // first branch's error (which would wrongly suggest that exact field is mandatory).
  const anyOf = errors.find((e) => e.keyword === 'anyOf');
  if (anyOf) {
    const branches = errors.filter((e) => e.schemaPath.startsWith(`${anyOf.schemaPath}/`));
    if (branches.length > 0 && branches.every((e) => e.keyword === 'required')) {
      const names = branches.map((e) => `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`);
      return `one of ${names.join(', ')} is required`;
    }
  }
  // `if` only says "must match then schema"; the error before it names the field.
  const first = errors.find((e) => e.keyword !== 'if' && e.keyword !== 'anyOf') ?? errors[0];
  if (!first) return 'event is invalid';
  if (first.keyword === 'required') {
    return `${first.instancePath}/${(first.params as { missingProperty: string }).missingProperty} is required`;
  }
  const where = first.instancePath === '' ? 'event' : first.instancePath;
  const allowed =
    first.keyword === 'enum' ? `: ${(first.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
  return `${where} ${first.message ?? 'is invalid'}${allowed}`;
}

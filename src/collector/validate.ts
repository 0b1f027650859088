/**
 * Per-event validation against the same JSON Schema the worker uses, and the triage of a batch into
 * events to store, in-batch repeats and rejections. One bad event never sinks the others: each gets
 * its own receipt.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { RejectedReceipt, WireEvent } from '../shared/event.js';
import { checkBeyondSchema, DELIVERY_HEADROOM, describeErrors, MAX_EVENT_JSON_LENGTH } from '../shared/schemas/event-checks.js';
import schema from '../shared/schemas/event.schema.json' with { type: 'json' };

export { describeErrors };

export type ValidationResult =
  | { ok: true; event: WireEvent }
  | { ok: false; code: RejectionCode; reason: string };

/** `too-large`: over 32 KB of JSON, the limit the worker also applies (shared/schemas/event-checks.ts). */
export type RejectionCode = 'invalid-event' | 'too-large';

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
  // The worker runs the same schema as ajv standalone code generated at build time (it may not
  // eval); these options match scripts/compile-schemas.mjs AJV_OPTIONS. Here, in Node, compiling
  // at run time is fine.
  // allErrors off: the first error is enough for a reason, and stopping early is cheaper. Strict
  // mode catches schema typos; strictRequired off: `required` inside anyOf/allOf branches names
  // properties declared at the top.
  const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false });
  // ajv-formats is CommonJS; under nodenext its default export is the module object.
  addFormats.default(ajv, ['date-time']);
  const check = ajv.compile<WireEvent>(schema);

  return (raw) => {
    if (!check(raw)) return { ok: false, code: 'invalid-event', reason: describeErrors(check.errors ?? []) };
    const failure = checkBeyondSchema(raw, MAX_EVENT_JSON_LENGTH + DELIVERY_HEADROOM);
    return failure ? { ok: false, ...failure } : { ok: true, event: raw };
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

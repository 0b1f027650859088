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
  /** Position in the batch of each `valid` event. */
  validIndex: number[];
  /** Ids of valid events that repeat an earlier valid event of the same batch. */
  repeated: string[];
  /** Position in the batch of each `repeated` id. */
  repeatedIndex: number[];
  rejected: IndexedRejection[];
}

export interface EventValidatorOptions {
  /**
   * Check the size limit here (the default), or leave it to the caller: the ingest pipeline
   * serialises each event once, after normalising it, and checks that string's length instead of
   * serialising the event twice (which cost about a tenth of the ingest time).
   */
  checkSize?: boolean;
}

/** Compiles the schema once; the returned function is what runs per event. */
export function createEventValidator(options: EventValidatorOptions = {}): EventValidator {
  const checkSize = options.checkSize ?? true;
  // The worker runs the same schema as ajv standalone code generated at build time (it may not
  // eval); these options match scripts/compile-schemas.mjs AJV_OPTIONS. Here, in Node, compiling
  // at run time is fine.
  // allErrors off: the first error is enough for a reason, and stopping early is cheaper. Strict
  // mode catches schema typos; strictRequired off: `required` inside anyOf/allOf branches names
  // properties declared at the top.
  const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false });
  // ajv-formats is CommonJS; under nodenext its default export is the module object.
  addFormats.default(ajv, ['date-time']);
  ajv.addFormat('date-time', { type: 'string', validate: fastDateTime(ajv.formats['date-time'] as { validate: (s: string) => boolean }) });
  const check = ajv.compile<WireEvent>(schema);

  return (raw) => {
    if (!check(raw)) return { ok: false, code: 'invalid-event', reason: describeErrors(check.errors ?? []) };
    const malformed = firstLoneSurrogate(raw);
    if (malformed) return { ok: false, code: 'invalid-event', reason: `/${malformed} contains a lone surrogate (not valid Unicode)` };
    const failure = checkSize ? checkBeyondSchema(raw, MAX_EVENT_JSON_LENGTH + DELIVERY_HEADROOM) : checkDates(raw);
    return failure ? { ok: false, ...failure } : { ok: true, event: raw };
  };
}

/**
 * The fields that become SQLite columns and keys. better-sqlite3 encodes strings as UTF-8, which
 * turns a lone surrogate (valid in a JSON string, e.g. "\ud800") into U+FFFD: two ids differing only
 * there would be stored as one, and the second answered "duplicate" without ever being stored.
 * Other strings (property values) stay in the payload, whose JSON keeps them escaped and exact.
 */
const KEY_FIELDS = ['messageId', 'anonymousId', 'userId', 'event', 'previousId', 'groupId'] as const;

function firstLoneSurrogate(event: WireEvent): string | null {
  for (const field of KEY_FIELDS) {
    const value = event[field];
    if (typeof value === 'string' && !(value as unknown as WellFormed).isWellFormed()) return field;
  }
  return null;
}

/** ES2024 `String.prototype.isWellFormed`, in Node since 20; not yet in this project's lib. */
interface WellFormed {
  isWellFormed(): boolean;
}

/** checkBeyondSchema without the size check (the caller checks the stored JSON's length). */
function checkDates(event: WireEvent): { code: 'invalid-event'; reason: string } | null {
  if (!Number.isFinite(Date.parse(event.timestamp))) return { code: 'invalid-event', reason: '/timestamp is not a representable date' };
  if (event.sentAt !== undefined && !Number.isFinite(Date.parse(event.sentAt))) {
    return { code: 'invalid-event', reason: '/sentAt is not a representable date' };
  }
  return null;
}

/** `toISOString()`'s form, which Homing's SDK and most others send: 2026-11-28T12:00:00.000Z. */
const CANONICAL_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ajv-formats' full `date-time` check (two regular expressions, a split and a dozen conversions:
 * about 0.45 µs, a quarter of the collector's validation time), with a fast path for the canonical
 * form: there its rules come down to the ranges below. Anything else, a leap second included, goes
 * to the full check, so the verdict is always the full check's, which is also the worker's.
 */
export function fastDateTime(full: { validate: (s: string) => boolean }): (s: string) => boolean {
  const digits = (s: string, at: number, n: number): number => {
    let v = 0;
    for (let i = at; i < at + n; i++) v = v * 10 + s.charCodeAt(i) - 48;
    return v;
  };
  return (s) => {
    if (s.length !== 24 || !CANONICAL_DATE_TIME.test(s)) return full.validate(s);
    const year = digits(s, 0, 4);
    const month = digits(s, 5, 2);
    const day = digits(s, 8, 2);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const monthOk = month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]);
    if (monthOk && digits(s, 11, 2) <= 23 && digits(s, 14, 2) <= 59 && digits(s, 17, 2) <= 59) return true;
    return full.validate(s);
  };
}

export function triageBatch(items: readonly unknown[], validate: EventValidator): BatchTriage {
  const valid: WireEvent[] = [];
  const validIndex: number[] = [];
  const repeated: string[] = [];
  const repeatedIndex: number[] = [];
  const rejected: IndexedRejection[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < items.length; index++) {
    const raw = items[index];
    const result = validate(raw);
    if (!result.ok) {
      rejected.push({ messageId: idOf(raw), code: result.code, reason: result.reason, index });
      continue;
    }
    const id = result.event.messageId;
    // A second copy in one batch is answered like a resend: a duplicate, stored once.
    if (seen.has(id)) {
      repeated.push(id);
      repeatedIndex.push(index);
    } else {
      seen.add(id);
      valid.push(result.event);
      validIndex.push(index);
    }
  }
  return { valid, validIndex, repeated, repeatedIndex, rejected };
}

function idOf(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '';
  const id = (raw as { messageId?: unknown }).messageId;
  return typeof id === 'string' ? id : '';
}

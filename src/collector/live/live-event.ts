/**
 * Turns what ingest reports for one request (observe.ts) into one LiveEvent per item, in the order
 * the items came, each with the result its receipt said. Only called while a live client is
 * connected: the hub subscribes to the observers only then.
 *
 * Receipts name ids, not positions, so positions are rebuilt the way ingest decided them:
 * rejections carry their index; of the valid items, the first copy of an id the store inserted is
 * `accepted` and every other copy (a resend, or a repeat inside the request) is `duplicate`. An
 * accepted event that its sender's policy flagged (stored, breaking a convention) carries the rules.
 */
import type { LiveEvent } from '../../shared/reports.js';
import type { IngestOutcome } from '../observe.js';

/** The payload shown with each event is cut to this many characters of JSON. */
export const MAX_LIVE_PAYLOAD_CHARS = 4096;

/**
 * The payload's JSON, kept from the size check so the message is not serialised twice (most of
 * what watching costs). A symbol key: JSON.stringify and spreads into plain objects skip it.
 */
const PAYLOAD_JSON = Symbol('payloadJson');
type WithJson = LiveEvent & { [PAYLOAD_JSON]?: string };

/** The LiveEvent as one line of JSON, reusing the payload's JSON when toLiveEvents made it. */
export function liveEventJson(event: LiveEvent): string {
  const json = (event as WithJson)[PAYLOAD_JSON];
  if (json === undefined) return JSON.stringify(event);
  const { payload: _payload, ...rest } = event;
  return `${JSON.stringify(rest).slice(0, -1)},"payload":${json}}`;
}

export function toLiveEvents(outcome: IngestOutcome): LiveEvent[] {
  const rejectedAt = new Map<number, { code: string; reason: string }>();
  for (const r of outcome.rejected) rejectedAt.set(r.index, { code: r.code, reason: r.reason });
  const flaggedAt = new Map<number, readonly string[]>();
  for (const f of outcome.flagged ?? []) if (f.rules.length > 0) flaggedAt.set(f.index, f.rules);
  const inserted = new Set(outcome.accepted);
  const out: LiveEvent[] = [];
  outcome.items.forEach((item, index) => {
    const base = describe(item, outcome.receivedAt, outcome.channel);
    const payload = payloadOf(item);
    base.payload = payload.value;
    const rejection = rejectedAt.get(index);
    if (rejection) {
      out.push({ ...base, result: 'rejected', code: rejection.code, reason: rejection.reason });
    } else if (outcome.failed) {
      out.push({ ...base, result: 'failed', code: outcome.failed.code, reason: outcome.failed.reason });
    } else if (base.messageId !== null && inserted.delete(base.messageId)) {
      const rules = flaggedAt.get(index);
      out.push(rules ? { ...base, result: 'accepted', flagged: [...rules] } : { ...base, result: 'accepted' });
    } else {
      out.push({ ...base, result: 'duplicate' });
    }
    (out[out.length - 1] as WithJson)[PAYLOAD_JSON] = payload.json;
  });
  return out;
}

type Described = Omit<LiveEvent, 'result' | 'code' | 'reason' | 'flagged'>;

function describe(item: unknown, at: number, channel: string): Described {
  const o = isObject(item) ? item : null;
  const context = o && isObject(o.context) ? o.context : null;
  const homing = context && isObject(context.homing) ? context.homing : null;
  return {
    at,
    channel,
    messageId: text(o?.messageId),
    type: text(o?.type),
    event: text(o?.event),
    anonymousId: text(o?.anonymousId),
    userId: text(o?.userId),
    sessionId: text(homing?.sessionId),
  };
}

/**
 * The item itself when its JSON is short enough, else the start of its JSON as a string ending in
 * `…`: still readable, and a huge or hostile event cannot make every live message huge.
 */
export function trimPayload(item: unknown): unknown {
  return payloadOf(item).value;
}

function payloadOf(item: unknown): { value: unknown; json: string } {
  let json: string | undefined;
  try {
    json = JSON.stringify(item);
  } catch {
    return { value: '[not serialisable]', json: '"[not serialisable]"' };
  }
  if (json === undefined) return { value: null, json: 'null' };
  if (json.length <= MAX_LIVE_PAYLOAD_CHARS) return { value: item, json };
  const cut = `${json.slice(0, MAX_LIVE_PAYLOAD_CHARS)}…`;
  return { value: cut, json: JSON.stringify(cut) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strings only, cut so a hostile value cannot bloat every message. */
function text(v: unknown): string | null {
  return typeof v === 'string' ? v.slice(0, 200) : null;
}

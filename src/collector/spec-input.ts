/**
 * What Segment-compatible clients send, turned into the wire event the schema checks. Homing's own
 * SDK needs none of this (its events pass through unchanged); other clients follow the Segment
 * Spec's looser rules, and each leniency here is one a real library relies on:
 *
 * - `writeKey` inside an event (analytics-next puts it in each event of a batch): a key, never
 *   stored.
 * - Empty ids (`userId: ""`, RudderStack's browser library on every anonymous call) and `null` ids
 *   (analytics-next's) are absent ids. Stored as `''`, an erasure by user id would miss the person's
 *   anonymous events, and reports would count `''` as a user.
 * - `null` for any other optional field (RudderStack sends `event: null` and `properties: null`
 *   on a page call) is the field left out.
 * - No `messageId`: the HTTP Tracking API lets a caller leave it out, and the collector mints one
 *   (a UUIDv7, as Homing's SDK would). A resend of such an event cannot be recognised: the caller
 *   chose that by not naming it.
 * - Identify traits in `context.traits` (RudderStack's libraries put them there, not in `traits`):
 *   copied into `traits`, the top-level ones winning, so the profile is not empty.
 *
 * Timestamps (`timestamp` optional, `originalTimestamp`) are settled after validation, in
 * normalize.ts. Mutates `raw`, which the route owns (a freshly parsed body).
 */

const IDS = ['anonymousId', 'userId', 'previousId', 'groupId'] as const;
const OPTIONAL = ['event', 'name', 'properties', 'traits', 'context', 'timestamp', 'originalTimestamp', 'sentAt'] as const;

export type MintId = () => string;

export function prepareIncoming(raw: unknown, mintId: MintId): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return;
  const event = raw as Record<string, unknown>;
  if ('writeKey' in event) delete event.writeKey;
  for (const id of IDS) {
    const value = event[id];
    if (value === '' || value === null) delete event[id];
  }
  for (const field of OPTIONAL) if (event[field] === null) delete event[field];
  if (event.messageId === undefined) event.messageId = mintId();
  if (event.type === 'identify') {
    const contextTraits = plainObject(plainObject(event.context)?.traits);
    const traits = plainObject(event.traits);
    // A `traits` that is not an object is left for the schema to refuse, not overwritten.
    if (contextTraits && (traits || event.traits === undefined)) {
      event.traits = traits ? { ...contextTraits, ...traits } : { ...contextTraits };
    }
  }
}

function plainObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

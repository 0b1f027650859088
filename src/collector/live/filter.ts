/**
 * What a live client asked to see: `?event=` (one name or a comma list), `?device=` (anonymousId)
 * and `?session=` (context.homing.sessionId). Every given filter must match; none given, all events.
 * Events without a name (page, identify, …) match their type, so `?event=page` shows page views.
 * Bad filters are a 400 with the reason, never an empty stream the developer would wait on.
 */
import type { LiveEvent } from '../../shared/reports.js';

export interface LiveFilter {
  events: ReadonlySet<string> | null;
  device: string | null;
  session: string | null;
}

export type LiveFilterParse = { ok: true; filter: LiveFilter } | { ok: false; reason: string };

/** Longest filter value accepted; ids and event names are far shorter. */
export const MAX_FILTER_LENGTH = 200;
/** Most names in `?event=`. */
export const MAX_FILTER_EVENTS = 50;

export function parseLiveFilter(query: Record<string, unknown>): LiveFilterParse {
  const values: Record<'event' | 'device' | 'session', string | null> = { event: null, device: null, session: null };
  for (const name of ['event', 'device', 'session'] as const) {
    const raw = query[name];
    if (raw === undefined || raw === '') continue;
    if (typeof raw !== 'string') return { ok: false, reason: `?${name} must be given once` };
    if (raw.length > MAX_FILTER_LENGTH) return { ok: false, reason: `?${name} is longer than ${MAX_FILTER_LENGTH} characters` };
    values[name] = raw;
  }
  let events: Set<string> | null = null;
  if (values.event !== null) {
    const names = values.event.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (names.length === 0) return { ok: false, reason: '?event names no event' };
    if (names.length > MAX_FILTER_EVENTS) return { ok: false, reason: `?event names more than ${MAX_FILTER_EVENTS} events` };
    events = new Set(names);
  }
  return { ok: true, filter: { events, device: values.device, session: values.session } };
}

export function matchesLiveFilter(filter: LiveFilter, event: LiveEvent): boolean {
  if (filter.events !== null) {
    const name = event.event ?? event.type;
    if (name === null || !filter.events.has(name)) return false;
  }
  if (filter.device !== null && event.anonymousId !== filter.device) return false;
  if (filter.session !== null && event.sessionId !== filter.session) return false;
  return true;
}

/**
 * The site's consent configuration, with defaults applied, and the decision for each event at
 * capture. Pure: the worker (pipeline.ts) and the service worker (a pagehide hand-off) decide alike.
 *
 * An event needs the `required` purposes plus the one `purposes` names for it (by event name, or by
 * `type` for page, screen, identify, alias and group). Then:
 * - a needed purpose is denied → dropped (counted as `consent`);
 * - all granted → kept, with a gate the deliverer checks again at send time;
 * - otherwise no decision yet, and the site's policy says: `buffer` (stored, held until granted or
 *   until `bufferMs` after capture), `drop`, or `anonymous` (sent without stored identifiers; an
 *   identify, alias or group call is identifying by nature, so it is dropped).
 */
import { DEFAULTS } from '../shared/config.js';
import { deniesAny, grantsAll } from '../shared/consent.js';
import type { WireEvent } from '../shared/event.js';
import type { ConsentOptions, ConsentState, Gate, PrivacySignals } from '../shared/protocol.js';

export interface ConsentSettings {
  required: string[];
  policy: 'buffer' | 'drop' | 'anonymous';
  bufferMs: number;
  purposes: Record<string, string>;
  honorDnt: boolean;
  honorGpc: boolean;
  /** Every purpose the site names (DNT denies them all). */
  known: string[];
}

export type Decision =
  | { kind: 'keep'; gate?: Gate }
  | { kind: 'hold'; gate: Gate }
  | { kind: 'anonymous'; gate: Gate }
  | { kind: 'drop' };

const POLICIES = new Set(['buffer', 'drop', 'anonymous']);

export function consentSettings(options: ConsentOptions | undefined): ConsentSettings | null {
  if (!options || typeof options !== 'object') return null;
  const d = DEFAULTS.consent;
  const strings = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : undefined);
  const required = strings(options.required) ?? [...d.required];
  const purposes: Record<string, string> = {};
  for (const [name, purpose] of Object.entries(options.purposes ?? {})) if (typeof purpose === 'string' && purpose !== '') purposes[name] = purpose;
  const policy = POLICIES.has(options.policy as string) ? options.policy! : d.policy;
  const bufferMs = typeof options.bufferMs === 'number' && options.bufferMs >= 0 ? options.bufferMs : d.bufferMs;
  return {
    required,
    policy,
    bufferMs,
    purposes,
    honorDnt: options.honorDnt === true,
    honorGpc: options.honorGpc === true,
    known: [...new Set(['analytics', 'marketing', ...required, ...Object.values(purposes)])],
  };
}

/** The name `purposes` is keyed by: the event's name for `track`, else its type. */
export function eventName(event: Pick<WireEvent, 'type' | 'event'>): string {
  return event.type === 'track' ? event.event ?? '' : event.type;
}

export function needsOf(event: Pick<WireEvent, 'type' | 'event'>, settings: ConsentSettings): string[] {
  // A Map lookup would also do; hasOwn keeps an event named `constructor` off Object.prototype.
  const name = eventName(event);
  const extra = Object.hasOwn(settings.purposes, name) ? settings.purposes[name] : undefined;
  return extra && !settings.required.includes(extra) ? [...settings.required, extra] : settings.required;
}

export function decide(event: WireEvent, consent: ConsentState | undefined, settings: ConsentSettings, capturedAt: number): Decision {
  const needs = needsOf(event, settings);
  if (needs.length === 0) return { kind: 'keep' };
  if (deniesAny(consent, needs)) return { kind: 'drop' };
  if (grantsAll(consent, needs)) return { kind: 'keep', gate: { needs } };
  if (settings.policy === 'buffer') return { kind: 'hold', gate: { needs, until: capturedAt + settings.bufferMs } };
  if (settings.policy === 'anonymous' && (event.type === 'track' || event.type === 'page' || event.type === 'screen')) return { kind: 'anonymous', gate: { needs, anonymous: true } };
  return { kind: 'drop' };
}

/** The purposes the browser's signals deny: DNT all of them, GPC `marketing` (when honoured). */
export function signalDenials(signals: PrivacySignals, settings: ConsentSettings): string[] {
  if (settings.honorDnt && signals.dnt) return settings.known;
  if (settings.honorGpc && signals.gpc) return ['marketing'];
  return [];
}

/** A consent update without the grants the signals forbid (a CMP cannot grant what GPC denies). */
export function withoutForbidden(update: ConsentState, forbidden: readonly string[]): ConsentState {
  const allowed: ConsentState = {};
  for (const [purpose, value] of Object.entries(update)) {
    if (typeof value !== 'boolean' || (value && forbidden.includes(purpose))) continue;
    allowed[purpose] = value;
  }
  return allowed;
}

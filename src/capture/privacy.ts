/**
 * The privacy step of the pipeline, between enrichment and the rules: PII guards on property and
 * trait values, the URL allowlist, and the consent decision (consent-policy.ts), with cookieless
 * identifiers for events sent under the `anonymous` policy. Used by the worker and, for a pagehide
 * hand-off, by the service worker. `createPrivacy` returns null when the site configured none of
 * `consent`, `pii` and `urlParams`: then events go through exactly as before.
 */
import { DEFAULTS } from '../shared/config.js';
import type { WireEvent } from '../shared/event.js';
import type { ConsentState, PiiAction, PrivacyInit, PrivacySignals } from '../shared/protocol.js';
import { consentSettings, decide, signalDenials, withoutForbidden, type ConsentSettings, type Decision } from './consent-policy.js';
import { findPii, normalisePii, sha256Hex, type PiiKind } from './pii.js';
import { keepParams, stripUrl } from './url-params.js';

export const REDACTED = '[redacted]';

export interface Privacy {
  /** Null without a `consent` configuration (no gating). */
  consent: ConsentSettings | null;
  /**
   * Guards, then the consent decision; an anonymous event loses its identifiers here. Synchronous
   * unless something has to be hashed, so most events cost no extra await.
   */
  prepare(event: WireEvent, consent: ConsentState | undefined, capturedAt: number): Decision | Promise<Decision>;
  /** The page's DNT/GPC; returns the purposes they deny, to apply as a consent change. */
  setSignals(signals: PrivacySignals): string[];
  /** Known, or not needed (neither `honorDnt` nor `honorGpc`). */
  signalsKnown(): boolean;
  /**
   * A consent update as the signals allow it: grants of what they deny are ignored, and while they
   * are needed but unknown, only denials count.
   */
  allow(update: ConsentState): ConsentState;
}

export interface PrivacyDeps {
  /** Site salt of the cookieless per-day id: the site's origin. */
  salt: string;
  sha256?: (text: string) => Promise<string>;
}

const ACTIONS = new Set<PiiAction>(['hash', 'redact', 'keep']);

export function piiActions(init: PrivacyInit | undefined): Record<PiiKind, PiiAction> | null {
  if (!init?.consent && !init?.pii) return null;
  const actions: Record<PiiKind, PiiAction> = { ...DEFAULTS.pii };
  for (const kind of Object.keys(actions) as PiiKind[]) {
    const action = init.pii?.[kind];
    if (action !== undefined && ACTIONS.has(action)) actions[kind] = action;
  }
  return actions;
}

export function createPrivacy(init: PrivacyInit | undefined, deps: PrivacyDeps): Privacy | null {
  const consent = consentSettings(init?.consent);
  const actions = piiActions(init);
  const allow: readonly string[] | null = Array.isArray(init?.urlParams) ? init.urlParams : consent ? DEFAULTS.urlParams : null;
  if (!consent && !actions && !allow) return null;
  const sha256 = deps.sha256 ?? sha256Hex;
  const kinds = new Set((Object.keys(actions ?? {}) as PiiKind[]).filter((kind) => actions![kind] !== 'keep'));
  let forbidden: string[] = [];
  let signals = !!init?.signals || !consent || !(consent.honorDnt || consent.honorGpc);
  if (init?.signals && consent) forbidden = signalDenials(init.signals, consent);
  let lastDay: [key: string, id: Promise<string>] | null = null;

  /** Replaces what `findPii` finds; a promise only when something is hashed. */
  function scrubString(value: string): string | Promise<string> | undefined {
    const matches = findPii(value, kinds);
    if (matches.length === 0) return undefined;
    const parts = matches.map((m) => (actions![m.kind] === 'hash' ? sha256(normalisePii(m.kind, m.text)) : REDACTED));
    const join = (replacements: string[]) => {
      let out = '';
      let at = 0;
      matches.forEach((m, i) => {
        out += value.slice(at, m.start) + replacements[i];
        at = m.end;
      });
      return out + value.slice(at);
    };
    return parts.every((p) => typeof p === 'string') ? join(parts as string[]) : Promise.all(parts).then(join);
  }

  /** Every string in a property bag, nested objects and arrays included; the jobs of hashed ones. */
  function scrubBag(bag: Record<string, unknown> | unknown[], jobs: Array<Promise<void>>, depth: number): void {
    const holder = bag as Record<string, unknown>;
    for (const key of Object.keys(holder)) {
      const value = holder[key];
      if (typeof value === 'string') {
        const result = scrubString(value);
        if (typeof result === 'string') holder[key] = result;
        else if (result) jobs.push(result.then((hashed) => void (holder[key] = hashed)));
      } else if (typeof value === 'object' && value !== null && depth < 8) {
        scrubBag(value as Record<string, unknown>, jobs, depth + 1);
      }
    }
  }

  function scrub(event: WireEvent): Promise<unknown> | undefined {
    const page = event.context.page;
    // A copy: calls of one page view share their page object.
    if (allow && page) event.context.page = { ...page, url: stripUrl(page.url, allow), search: keepParams(page.search, allow), referrer: stripUrl(page.referrer, allow) };
    if (kinds.size === 0) return undefined;
    const jobs: Array<Promise<void>> = [];
    if (event.properties) scrubBag(event.properties, jobs, 0);
    if (event.traits) scrubBag(event.traits, jobs, 0);
    return jobs.length > 0 ? Promise.all(jobs) : undefined;
  }

  /** SHA-256 of the UTC day, the user agent and the site: the same all day, never stored. */
  function dailyId(capturedAt: number, userAgent: string): Promise<string> {
    const key = `${new Date(capturedAt).toISOString().slice(0, 10)}\n${userAgent}\n${deps.salt}`;
    if (lastDay?.[0] !== key) lastDay = [key, sha256(key).then((hex) => `day-${hex.slice(0, 32)}`)];
    return lastDay[1];
  }

  return {
    consent,
    prepare(event, state, capturedAt) {
      const decision: Decision = consent ? decide(event, state, consent, capturedAt) : { kind: 'keep' };
      if (decision.kind === 'drop') return decision;
      const scrubbing = scrub(event);
      if (decision.kind === 'anonymous') {
        delete event.userId;
        delete event.context.homing;
        return Promise.all([scrubbing, dailyId(capturedAt, event.context.userAgent ?? '')]).then(([, id]) => {
          event.anonymousId = id;
          return decision;
        });
      }
      return scrubbing ? scrubbing.then(() => decision) : decision;
    },
    setSignals(next) {
      signals = true;
      forbidden = consent ? signalDenials(next, consent) : [];
      return forbidden;
    },
    signalsKnown: () => signals,
    allow(update) {
      return withoutForbidden(update, signals ? forbidden : Object.keys(update));
    },
  };
}

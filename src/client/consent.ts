/**
 * The consent chunk, loaded only when the site configures `consent`: it reads the browser's privacy
 * signals and the site's consent management platform, and turns what they say into
 * `homing.consent()` calls (which the worker applies in order with the events around them).
 *
 * - Do Not Track (`navigator.doNotTrack === '1'`, with `honorDnt`) denies every purpose; Global
 *   Privacy Control (`navigator.globalPrivacyControl === true`, with `honorGpc`) denies `marketing`.
 *   They are sent to the worker once (`signals`), which denies those purposes and ignores any later
 *   grant of them, whoever makes it.
 * - IAB TCF v2 (`tcf: true`): `__tcfapi('addEventListener', 2, cb)`. When the CMP has loaded or the
 *   user has acted (`tcloaded`, `useractioncomplete`): purpose 1 (store and/or access information on
 *   a device) → `analytics`; purposes 3 and 4 (create, and use, a personalised ads profile) →
 *   `marketing`, granted only when both are. A purpose not consented is denied. `gdprApplies: false`
 *   grants both (TCF says no consent is needed there).
 * - Google Consent Mode (`consentMode: true`): `gtag('consent', 'default' | 'update', {...})` pushes
 *   `['consent', command, params]` (an `arguments` object) to the dataLayer. `analytics_storage` →
 *   `analytics`, `ad_storage` → `marketing`. An `update` is the user's decision (granted or denied).
 *   A `default` is not: its `denied` means "not decided yet" (it leaves the events to the policy),
 *   and its `granted` counts only when it names no `region`, and no region-scoped default came
 *   before it (Homing cannot tell the visitor's region).
 */
import type { ConsentOptions, ConsentState, PrivacyInit, PrivacySignals } from '../shared/protocol.js';
import { watchLayer } from './data-layer.js';

export interface TcData {
  eventStatus?: string;
  gdprApplies?: boolean;
  purpose?: { consents?: Record<string, boolean> };
}

type TcfApi = (command: string, version: number, callback: (data: TcData, success: boolean) => void) => void;

/** TCF v2 consent data → purposes, or null while the user has not decided. */
export function purposesFromTcf(data: TcData | null | undefined): ConsentState | null {
  if (!data || (data.eventStatus !== 'tcloaded' && data.eventStatus !== 'useractioncomplete')) return null;
  if (data.gdprApplies === false) return { analytics: true, marketing: true };
  const consents = data.purpose?.consents ?? {};
  return { analytics: consents[1] === true, marketing: consents[3] === true && consents[4] === true };
}

export interface ConsentModeState {
  /** A `default` with a `region` was seen: global defaults no longer count. */
  regional: boolean;
}

const CONSENT_MODE: Array<[param: string, purpose: string]> = [
  ['analytics_storage', 'analytics'],
  ['ad_storage', 'marketing'],
];

/** One dataLayer entry → the purposes a consent command decides, or null. */
export function purposesFromConsentMode(entry: unknown, state: ConsentModeState): ConsentState | null {
  const isArgs = Object.prototype.toString.call(entry) === '[object Arguments]';
  if (!isArgs && !Array.isArray(entry)) return null;
  const [command, action, params] = Array.from(entry as ArrayLike<unknown>);
  if (command !== 'consent' || (action !== 'default' && action !== 'update') || typeof params !== 'object' || params === null) return null;
  const values = params as Record<string, unknown>;
  if (action === 'default') {
    if (values.region !== undefined) state.regional = true;
    if (values.region !== undefined || state.regional) return null;
  }
  const decided: ConsentState = {};
  for (const [param, purpose] of CONSENT_MODE) {
    if (values[param] === 'granted') decided[purpose] = true;
    else if (values[param] === 'denied' && action === 'update') decided[purpose] = false;
  }
  return Object.keys(decided).length > 0 ? decided : null;
}

/** Reads DNT and GPC as the site wants them honoured. */
export function readSignals(options: ConsentOptions, nav: Navigator): PrivacySignals {
  return {
    dnt: options.honorDnt === true && nav.doNotTrack === '1',
    gpc: options.honorGpc === true && (nav as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true,
  };
}

/** Calls `consent` with each new decision (the same one twice in a row is sent once). */
function decisions(consent: (purposes: ConsentState) => void): (purposes: ConsentState | null) => void {
  let last = '';
  return (purposes) => {
    if (!purposes) return;
    const key = JSON.stringify(purposes);
    if (key === last) return;
    last = key;
    consent(purposes);
  };
}

function watchTcf(win: Window, decide: (purposes: ConsentState | null) => void): void {
  const api = (win as unknown as { __tcfapi?: TcfApi }).__tcfapi;
  if (typeof api === 'function') {
    api('addEventListener', 2, (data, success) => success && decide(purposesFromTcf(data)));
  } else if (win.document.readyState !== 'complete') {
    // A CMP loaded after Homing: look again once the page has loaded.
    win.addEventListener('load', () => watchTcf(win, decide), { once: true });
  }
}

export function startConsent(
  config: { consent?: ConsentOptions; dataLayer?: boolean | string },
  privacy: PrivacyInit,
  consent: (purposes: ConsentState) => void,
  sendSignals: (signals: PrivacySignals) => void,
  win: Window = window,
): void {
  const options = config.consent ?? {};
  // Kept on the shared object too, so a pagehide hand-off carries them to the service worker.
  privacy.signals = readSignals(options, win.navigator);
  sendSignals(privacy.signals);
  if (options.tcf) watchTcf(win, decisions(consent));
  if (options.consentMode) {
    const state: ConsentModeState = { regional: false };
    const decide = decisions(consent);
    const name = typeof config.dataLayer === 'string' ? config.dataLayer : 'dataLayer';
    watchLayer(win, name, (entry) => decide(purposesFromConsentMode(entry, state)));
  }
}

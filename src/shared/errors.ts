/**
 * Error codes, not class trees: comlink rebuilds thrown errors as plain `Error`s, so `instanceof`
 * does not survive the worker boundary. Errors cross it as a code and a detail string (`onError`),
 * typed `ErrorCode` from where they are raised to the page's listener.
 */

export type ErrorCode =
  | 'worker-unavailable'
  | 'worker-failed'
  | 'sw-unavailable'
  | 'sw-link-timeout'
  | 'persist-failed'
  | 'delivery-failed'
  | 'invalid-call'
  | 'not-cloneable'
  | 'invalid-event'
  | 'invalid-properties'
  | 'too-large'
  | 'schemas-unavailable'
  | 'consent-unavailable'
  | 'storage-wiped';

/** The codes an event that fails validation is quarantined with (capture/validate.ts). */
export type ValidationCode = Extract<ErrorCode, 'invalid-event' | 'too-large' | 'invalid-properties'>;

/** Counts by code, as `stats().errors` reports them. */
export type ErrorCounts = Partial<Record<ErrorCode, number>>;

/** How an error reaches the page's `onError`: the worker and the service worker report with it. */
export type ErrorReporter = (code: ErrorCode, detail: string) => void;

const MESSAGES: Record<ErrorCode, string> = {
  'worker-unavailable': 'Web Workers are unavailable; events stay in page memory until the tab closes.',
  'worker-failed': 'The Homing worker failed to start or crashed.',
  'sw-unavailable': 'No service worker; the worker keeps and delivers events itself.',
  'sw-link-timeout': 'The service worker did not acknowledge in time; relinking and resending.',
  'persist-failed': 'IndexedDB refused to store events; they are kept in memory and retried.',
  'delivery-failed': 'A delivery attempt failed; the events stay in the outbox for the next one.',
  'invalid-call': 'A call was made with arguments Homing cannot use.',
  'not-cloneable': 'A call carried a value that cannot be copied to the worker (a function, a DOM node); it was dropped alone.',
  'invalid-event': 'An event failed validation; it is quarantined with the reason.',
  'invalid-properties': "An event's properties failed the site's schema for it; it is quarantined with the reason.",
  'too-large': 'An event is over 32 KB of JSON; it is quarantined.',
  'schemas-unavailable': "The site's compiled schemas could not be loaded; only the base rules apply.",
  'consent-unavailable': 'The consent module sent no DNT/GPC signals in time; events go on, and consent grants wait for the signals.',
  'storage-wiped': "The browser deleted the site's storage (Safari after 7 days without a visit, or eviction): the device keeps its id and sequence, and the events that were waiting are counted as wiped.",
};

export function describeError(code: ErrorCode): string {
  return MESSAGES[code];
}

/**
 * Client libraries the collector treats by what they are, read from `context.library.name` (every
 * Segment-compatible library fills it). What the name decides is never a privilege: Homing's own
 * libraries are held to the strictest conventions (event-policy.ts), server libraries keep the time
 * their caller gave (timestamps.ts), app libraries are recorded on the `app` channel. Claiming to be
 * a server library cannot put an event on the `server` channel: only an s2s key does that.
 */

/** Homing's SDK and its pixel. */
export const HOMING_LIBRARIES: ReadonlySet<string> = new Set(['homing', 'homing-pixel']);

/**
 * Segment's server libraries, whose callers may set `timestamp` to import history. RudderStack's
 * server libraries reuse Segment's older names (rudder-sdk-node sends `analytics-node`).
 */
export const SERVER_LIBRARIES: ReadonlySet<string> = new Set([
  '@segment/analytics-node',
  'analytics-node',
  'analytics-python',
  'analytics-go',
  'analytics-java',
  'analytics-ruby',
  'analytics-php',
  'analytics.NET',
  'analytics-csharp',
  'analytics-clojure',
]);

/** Segment's native and React Native libraries (and their predecessors), sending from apps. */
export const APP_LIBRARIES: ReadonlySet<string> = new Set([
  'analytics-swift',
  'analytics-kotlin',
  'analytics-react-native',
  '@segment/analytics-react-native',
  'analytics-ios',
  'analytics-android',
  'analytics-flutter',
]);

export function libraryName(event: { context?: unknown }): string {
  const context = event.context;
  if (typeof context !== 'object' || context === null) return '';
  const library = (context as { library?: unknown }).library;
  if (typeof library !== 'object' || library === null) return '';
  const name = (library as { name?: unknown }).name;
  return typeof name === 'string' ? name : '';
}

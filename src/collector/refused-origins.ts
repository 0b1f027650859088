/**
 * What the collector does with a request refused for its origin (cors.ts), besides the 403 the
 * browser sees: counts it (`originRefused` in `GET /v1/stats`) and logs it at warn with the origin
 * and the path, so a site left out of `--origins` shows up in the log at its first request. A
 * refused site may send thousands of beacons a minute: one line per origin per minute at most,
 * each saying how many refusals of that origin went unlogged since its previous line.
 */
import type { OnOriginRefused } from './cors.js';
import type { CollectorCounters } from './ingest.js';
import { createLogThrottle } from './log-throttle.js';

const INTERVAL_MS = 60_000;
/** Origins remembered for the throttle (a flood may make one up per request). */
const MAX_ORIGINS = 100;
/** An Origin header is the client's to choose: a few KB of it would not help anyone reading logs. */
const MAX_LOGGED_ORIGIN = 200;

export function reportRefusedOrigins(counters: CollectorCounters, now: () => number): OnOriginRefused {
  const throttle = createLogThrottle({ now, intervalMs: INTERVAL_MS, maxKeys: MAX_ORIGINS });
  return (request, origin, path) => {
    counters.originRefused++;
    const verdict = throttle.take(origin);
    if (!verdict.log) return;
    request.log.warn(
      { origin: origin.slice(0, MAX_LOGGED_ORIGIN), path, unloggedSinceLastLine: verdict.suppressed },
      'request refused: origin not allowed to send events (add it to --origins if it is your site)',
    );
  };
}

/**
 * Facts only the page knows, read once and sent to the worker at start. Each is a property read
 * (a few µs in all). The time zone is not read here: the first `Intl.DateTimeFormat()` of a page
 * loads locale data in the page's task (36–63 ms at 1× in Chromium), so the worker reads it
 * (worker/time-zone.ts).
 */
import type { PageEnvironment } from '../shared/protocol.js';

export function readEnvironment(): PageEnvironment {
  return {
    userAgent: navigator.userAgent,
    locale: navigator.language,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
  };
}

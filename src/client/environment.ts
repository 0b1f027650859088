/**
 * Facts only the page knows, read for the worker's `init` (in a start-up task after Homing's first,
 * homing.ts) and for the service worker's hand-off. Property reads, 0.3-0.6 ms in all on a fresh
 * page (the first reads of `navigator` and `screen` make their objects). The time zone is not read
 * here: the first `Intl.DateTimeFormat()` of a page loads locale data in the page's task (36–63 ms
 * at 1× in Chromium), so the worker reads it (capture/time-zone.ts).
 */
import type { PageEnvironment } from '../shared/protocol.js';

export function readEnvironment(): PageEnvironment {
  return {
    userAgent: navigator.userAgent,
    locale: navigator.language,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
  };
}

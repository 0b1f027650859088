/** Facts only the page knows, read once and sent to the worker at start. */
import type { PageEnvironment } from '../shared/protocol.js';

export function readEnvironment(): PageEnvironment {
  return {
    userAgent: navigator.userAgent,
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
  };
}

/**
 * Google Tag Manager's convention: `window.dataLayer.push({ event: 'add_to_cart', ... })`. Every
 * object with a string `event` becomes `track(event, rest)`, both the pushes made before Homing
 * loaded (replayed from the array) and later ones (through a wrapped `push`, which still calls the
 * original, so GTM keeps working whether it loaded before or after). GTM's own `gtm.*` events and
 * gtag's `arguments` commands are not Homing events (the consent chunk reads the `consent` ones).
 */
import type { Properties } from '../shared/event.js';

type Track = (event: string, properties?: Properties) => void;

function handle(entry: unknown, track: Track): void {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return;
  if (Object.prototype.toString.call(entry) === '[object Arguments]') return;
  const { event, ...properties } = entry as Record<string, unknown>;
  if (typeof event !== 'string' || event.startsWith('gtm.')) return;
  track(event, properties);
}

/**
 * Calls `onEntry` for every entry of the array `win[name]` (created if missing), those already
 * there first, then each one pushed later. Several watchers can share one array: each wraps `push`.
 */
export function watchLayer(win: Window, name: string, onEntry: (entry: unknown) => void): void {
  const holder = win as unknown as Record<string, unknown>;
  const existing = holder[name];
  const layer: unknown[] = Array.isArray(existing) ? existing : [];
  holder[name] = layer;
  for (const entry of layer) onEntry(entry);
  const original = layer.push;
  layer.push = function (this: unknown[], ...entries: unknown[]): number {
    const length = original.apply(this, entries);
    for (const entry of entries) {
      try {
        onEntry(entry);
      } catch {
        // Tracking must never break the site's own dataLayer.
      }
    }
    return length;
  };
}

export function watchDataLayer(win: Window, name: string, track: Track): void {
  watchLayer(win, name, (entry) => handle(entry, track));
}

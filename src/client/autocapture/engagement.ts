/**
 * Engaged time: `page_engaged` `{ engaged_ms }`.
 *
 * The rule: time counts while the page is visible AND the visitor was active in the last 30 s.
 * Activity is pointerdown, keydown, mousemove, scroll (the document's or any element's), focus,
 * the page becoming visible again, and the page view starting (arriving is an act). So reading
 * without touching anything counts for 30 s after the last input, then stops until the next one.
 * Window focus is not required: a visitor scrolling a window beside the focused one is engaged,
 * and clicking into an iframe (a video) blurs the window; the 30 s cap bounds what a blur misses.
 *
 * Emission: when the page becomes hidden (`visibilitychange`, and `pagehide`, which some browsers
 * fire without the former) the time since the last emission is sent if it is at least 1 s, then
 * the count restarts; under 1 s it is kept for the next time (a glance away loses nothing). The
 * hidden moment is the last one a browser reliably gives a page before it is discarded, so every
 * hide emits: a page view's engaged time is the sum of its `page_engaged` events. `pageChanged()`
 * sends the previous page view's remainder (if at least 1 s) and starts a new count.
 */
import { listen, type Unlisten } from './listen.js';
import type { Emit } from './types.js';

export const IDLE_AFTER_MS = 30_000;
export const MIN_ENGAGED_MS = 1_000;
/** mousemove and scroll fire dozens of times a second; a second's precision is plenty here. */
const ACTIVITY_THROTTLE_MS = 1_000;

export interface Engagement {
  /** Emits the previous page view's remainder and starts counting for the new one. */
  pageChanged(): void;
  stop(): void;
}

export function watchEngagement(win: Window, emit: Emit, now: () => number): Engagement {
  const doc = win.document;
  const start = now();
  let engaged = 0; // ms counted and not yet emitted
  let since = start; // counting is settled up to here
  let activeUntil = start + IDLE_AFTER_MS;
  let lastActivity = start;
  let visible = doc.visibilityState === 'visible';

  /** Adds the engaged time between the last settle and `t`; called before any state changes. */
  function settle(t: number): void {
    if (visible) engaged += Math.max(0, Math.min(t, activeUntil) - since);
    since = t;
  }

  function active(t: number): void {
    settle(t);
    activeUntil = t + IDLE_AFTER_MS;
    lastActivity = t;
  }

  function send(t: number): void {
    settle(t);
    if (engaged < MIN_ENGAGED_MS) return;
    const engaged_ms = Math.round(engaged);
    engaged = 0;
    emit('page_engaged', { engaged_ms });
  }

  function onActivity(): void {
    const t = now();
    if (t - lastActivity >= ACTIVITY_THROTTLE_MS) active(t);
  }

  function onHidden(): void {
    const t = now();
    send(t);
    visible = false;
  }

  function onVisibility(): void {
    if (doc.visibilityState !== 'visible') return onHidden();
    const t = now();
    settle(t);
    visible = true;
    active(t); // coming back to the tab is the visitor's doing
  }

  const unlisteners: Unlisten[] = [];
  function stop(): void {
    for (const unlisten of unlisteners.splice(0)) unlisten();
  }
  try {
    for (const type of ['pointerdown', 'keydown', 'mousemove', 'scroll']) {
      unlisteners.push(listen(doc, type, onActivity));
    }
    unlisteners.push(listen(win, 'focus', onActivity), listen(doc, 'visibilitychange', onVisibility));
    // pagehide fires while visibilityState may still say 'visible'; pageshow covers a page restored
    // from the back/forward cache in browsers that skip visibilitychange there.
    unlisteners.push(listen(win, 'pagehide', onHidden), listen(win, 'pageshow', onVisibility));
  } catch (err) {
    stop(); // the caller never gets a handle to remove what was already added
    throw err;
  }

  return {
    pageChanged() {
      const t = now();
      send(t);
      engaged = 0; // under 1 s belongs to the previous page view and is dropped
      active(t);
    },
    stop,
  };
}

/**
 * Autocapture, the opt-in chunk: the core client loads it with `import('./autocapture/index.js')`
 * only when the site enables it, so sites without it pay nothing on the 5 KB critical path.
 * Each kind is one module with one delegated listener per event type; none can throw into the page.
 */
import { watchClicks } from './clicks.js';
import { watchEngagement, type Engagement } from './engagement.js';
import { watchForms } from './forms.js';
import type { Unlisten } from './listen.js';
import { watchScroll, type ScrollDepth } from './scroll.js';
import type { Autocapture, AutocaptureOptions, Emit } from './types.js';

export type { Autocapture, AutocaptureOptions, Emit };

/**
 * Starts the kinds set to `true` in `options`. `win` and `now` are injectable for tests (`now`
 * defaults to `performance.now()`, which wall-clock changes do not move).
 */
export function startAutocapture(
  options: AutocaptureOptions,
  emit: Emit,
  win?: Window,
  now?: () => number,
): Autocapture {
  let stopped = false;
  const stops: Unlisten[] = [];
  let scroll: ScrollDepth | null = null;
  let engagement: Engagement | null = null;

  // The site's emit (homing.track) must not break autocapture either: one failing call must not
  // stop the thresholds or the engagement count that follow it.
  const safeEmit: Emit = (event, properties) => {
    try {
      emit(event, properties);
    } catch {
      // dropped; homing.track reports its own failures through onError
    }
  };

  function stop(): void {
    stopped = true;
    for (const fn of stops.splice(0)) {
      try {
        fn();
      } catch {
        // keep removing the others
      }
    }
  }

  try {
    const w = win ?? window;
    const clock = now ?? (() => w.performance.now());
    if (options.clicks === true) stops.push(watchClicks(w.document, safeEmit));
    if (options.forms === true) stops.push(watchForms(w.document, safeEmit));
    if (options.scroll === true) {
      const s = (scroll = watchScroll(w, safeEmit));
      stops.push(() => s.stop());
    }
    if (options.engagement === true) {
      const e = (engagement = watchEngagement(w, safeEmit, clock));
      stops.push(() => e.stop());
    }
  } catch {
    // Half a setup is worse than none: the site would see some kinds and not others.
    stop();
  }

  return {
    pageChanged() {
      if (stopped) return;
      try {
        // Engagement first: it reports the page view that just ended.
        engagement?.pageChanged();
      } catch {
        // best effort
      }
      try {
        scroll?.reset();
      } catch {
        // best effort
      }
    },
    stop,
  };
}

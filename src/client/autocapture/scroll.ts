/**
 * Scroll depth: `scroll_depth` with `percent` 25, 50, 75 and 100, each at most once per page view,
 * where depth = (scrollY + innerHeight) / the document's scrollHeight, i.e. how far down the
 * visitor has seen.
 *
 * Thresholds are checked only after a real scroll of the document, never at start or right after
 * `pageChanged()`: then the document is often still growing (images, data still loading, an SPA
 * route not rendered yet) and a short early height would read as 100 %. So a page shorter than the
 * viewport, which cannot scroll, reports no depth. Scrolling inside an element (a chat pane, a
 * carousel) is not page depth and is ignored; so is a page whose content scrolls in an inner
 * container instead of the document.
 */
import { listen, type Unlisten } from './listen.js';
import type { Emit } from './types.js';

export const THRESHOLDS = [25, 50, 75, 100] as const;

/**
 * Fractional scroll positions (zoom, high-DPI) can leave the bottom a pixel short of scrollHeight;
 * without the slack, 100 % would never be reached on some screens.
 */
const BOTTOM_SLACK_PX = 2;

export interface ScrollDepth {
  /** A new page view: every threshold can fire again. */
  reset(): void;
  stop: Unlisten;
}

export function watchScroll(win: Window, emit: Emit): ScrollDepth {
  const doc = win.document;
  let reached = 0; // index into THRESHOLDS of the next one to emit
  let frame = 0;

  // Measuring reads layout, so it waits for the next frame: at most one measure per frame however
  // many scroll events the frame had, and never a forced layout inside the scroll handler.
  function measure(): void {
    frame = 0;
    try {
      const height = (doc.scrollingElement ?? doc.documentElement).scrollHeight;
      if (!(height > 0)) return; // no layout (yet): nothing to measure against
      const percent = ((win.scrollY + win.innerHeight + BOTTOM_SLACK_PX) / height) * 100;
      // A jump (End key, a link to an anchor) passes several thresholds: emit each, in order.
      while (reached < THRESHOLDS.length && percent >= THRESHOLDS[reached]) {
        emit('scroll_depth', { percent: THRESHOLDS[reached++] });
      }
    } catch {
      // best effort, as in listen.ts: rAF callbacks are not wrapped by it
    }
  }

  const unlisten = listen(doc, 'scroll', (event) => {
    if (event.target !== doc || frame || reached === THRESHOLDS.length) return;
    frame = win.requestAnimationFrame(measure);
  });

  function cancelFrame(): void {
    if (frame) win.cancelAnimationFrame(frame);
    frame = 0;
  }

  return {
    reset() {
      // A frame still pending measured the previous page's scroll.
      cancelFrame();
      reached = 0;
    },
    stop() {
      unlisten();
      cancelFrame();
    },
  };
}

/**
 * The one way autocapture attaches to the page: a delegated listener on `document` or `window`,
 * in the capture phase (so a page handler calling `stopPropagation()` cannot hide the event from
 * us), passive (we never call `preventDefault()`, so the browser never waits for us before it
 * scrolls), and wrapped so that nothing we do can throw into the page.
 */

export type Unlisten = () => void;

/** `capture` is also what `removeEventListener` matches on, so one object serves both calls. */
const OPTIONS: AddEventListenerOptions = { capture: true, passive: true };

export function listen(target: EventTarget, type: string, handler: (event: Event) => void): Unlisten {
  const guarded = (event: Event): void => {
    try {
      handler(event);
    } catch {
      // Autocapture is best effort: a failing handler loses this one event and the page goes on.
    }
  };
  target.addEventListener(type, guarded, OPTIONS);
  return () => target.removeEventListener(type, guarded, OPTIONS);
}

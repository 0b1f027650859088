/**
 * Clicks on marked elements: one `click` listener on the document serves every `[data-track]`
 * element, present or added later, so nothing is attached per element and nothing leaks when the
 * page replaces its DOM.
 */
import { trackName, trackProperties } from './attributes.js';
import type { Emit } from './types.js';
import { listen, type Unlisten } from './listen.js';

/**
 * The innermost marked element wins, so one click is one event. A `<form data-track>` names its
 * submit event (forms.ts), not clicks inside it: without `:not(form)` every click into a field
 * would count as a submit-named event. Clicks inside such a form still reach an outer marked element.
 */
const MARKED = '[data-track]:not(form)';

export function watchClicks(doc: Document, emit: Emit): Unlisten {
  return listen(doc, 'click', (event) => {
    const marked = elementOf(event.target)?.closest(MARKED);
    if (!marked) return;
    const name = trackName(marked);
    if (name) emit(name, trackProperties(marked));
  });
}

/** The element an event happened on; a text node's parent (old Safari targeted text nodes). */
export function elementOf(target: EventTarget | null): Element | null {
  const node = target as Node | null;
  if (!node || typeof node.nodeType !== 'number') return null; // window, or a non-node target
  return node.nodeType === 1 ? (node as Element) : node.parentElement;
}

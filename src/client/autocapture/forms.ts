/**
 * Form submissions. Only the form's markup is read (id, name, action, method and `data-track-*`),
 * never a field: input values are what visitors type, and may be anything personal.
 *
 * The listener runs in the capture phase, before the page's own submit handlers, so it also sees
 * submits that an SPA handles itself with `preventDefault()` (they are real submits to the visitor).
 * Browsers fire `submit` only after constraint validation passed, and not for `form.submit()`.
 */
import { trackName, trackProperties } from './attributes.js';
import { listen, type Unlisten } from './listen.js';
import type { Emit } from './types.js';

export function watchForms(doc: Document, emit: Emit): Unlisten {
  return listen(doc, 'submit', (event) => {
    const form = event.target as Element | null;
    if (form?.nodeName !== 'FORM') return;
    const submitter = (event as SubmitEvent).submitter ?? null;
    const properties = formProperties(form, submitter, doc.baseURI);
    const name = trackName(form);
    // The site's own `data-track-*` values win over the automatic ones.
    if (name) emit(name, { ...properties, ...trackProperties(form) });
    else emit('form_submitted', properties);
  });
}

/**
 * Attributes, not the `form.id`/`form.action` properties: a field named `id`, `name`, `action` or
 * `method` shadows those properties (DOM clobbering), and we would read a field instead.
 * A submit button's `formaction`/`formmethod` override the form's, as they do for the browser.
 */
export function formProperties(form: Element, submitter: Element | null, baseUrl: string): Record<string, string> {
  const properties: Record<string, string> = {};
  const id = form.getAttribute('id');
  const name = form.getAttribute('name');
  const action = submitter?.getAttribute('formaction') ?? form.getAttribute('action');
  const method = submitter?.getAttribute('formmethod') ?? form.getAttribute('method');
  if (id) properties.form_id = id;
  if (name) properties.form_name = name;
  if (action !== null) properties.form_action = absolute(action, baseUrl);
  if (method) properties.form_method = method.trim().toLowerCase();
  return properties;
}

/** An empty action means the document's own URL, which is also what resolving '' gives. */
function absolute(url: string, base: string): string {
  try {
    return new URL(url.trim(), base).href;
  } catch {
    return url; // not a URL the browser could submit to either; report what the markup says
  }
}

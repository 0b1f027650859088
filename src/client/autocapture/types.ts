/** The public types of the autocapture chunk; index.ts re-exports them by name. */

/** Each kind is captured only when set to `true`: `{}` captures nothing. */
export interface AutocaptureOptions {
  /** Clicks inside elements marked `data-track="event_name"`. */
  clicks?: boolean;
  /** Form submissions (`form_submitted`, or the form's own `data-track` name). */
  forms?: boolean;
  /** `scroll_depth` at 25/50/75/100 % of the document, once each per page view. */
  scroll?: boolean;
  /** `page_engaged` with the time the visitor spent on the page (see engagement.ts for the rule). */
  engagement?: boolean;
}

/** Where events go; the core client passes `homing.track`. */
export type Emit = (event: string, properties: Record<string, unknown>) => void;

export interface Autocapture {
  /** Tells autocapture an SPA navigation happened: ends the page view's engagement, resets scroll depth. */
  pageChanged(): void;
  /** Removes every listener. Emits nothing, so it is also right for a revoked consent. */
  stop(): void;
}

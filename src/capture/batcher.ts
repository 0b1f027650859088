/**
 * Decides when the worker hands its queue to the service worker: when it holds `maxEvents`
 * events or `maxBytes` of JSON, when the oldest has waited `maxWaitMs`, or at once on `flushNow`
 * (the page is hiding). Fewer, larger hand-offs mean fewer wake-ups of the service worker and
 * fewer IndexedDB rows.
 */
export interface Batcher {
  /** An event of `bytes` joined the queue. */
  added(bytes: number): void;
  /** The queue was taken; start counting again. */
  taken(): void;
  flushNow(): void;
}

export interface BatcherDeps {
  maxEvents: number;
  maxBytes: number;
  maxWaitMs: number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  /** Called when the queue should go now. */
  due: () => void;
}

export function createBatcher(deps: BatcherDeps): Batcher {
  let events = 0;
  let bytes = 0;
  let timer: unknown = null;

  function fire(): void {
    if (timer !== null) deps.clearTimeout(timer);
    timer = null;
    deps.due();
  }

  return {
    added(size) {
      events++;
      bytes += size;
      if (events >= deps.maxEvents || bytes >= deps.maxBytes) fire();
      else if (timer === null) timer = deps.setTimeout(fire, deps.maxWaitMs);
    },
    taken() {
      events = 0;
      bytes = 0;
      if (timer !== null) deps.clearTimeout(timer);
      timer = null;
    },
    flushNow: fire,
  };
}

/**
 * Entry of `homing.js`, the module the page loads after the inline stub. It replaces the stub's
 * queueing methods with the real ones and replays what was queued, in order, with the original
 * capture times, settling what the stub returned (flush's and stats' promises, onError's
 * unsubscribe) with the real calls' results. Bundler users can call `createHoming` themselves instead.
 */
import { createHoming, type HomingGlobal, type HomingConfig } from './index.js';

export * from './index.js';

/** What the stub queued; `settle`, when present, takes the real call's result (stub/main.ts). */
type QueuedCall = [method: string, args: unknown[], ts: number, settle?: (result: unknown) => void];

interface StubbedWindow {
  homing?: Partial<HomingGlobal> & { q?: QueuedCall[] };
}

function boot(w: StubbedWindow): void {
  const stub = w.homing;
  if (!stub || !Array.isArray(stub.q)) return; // no stub: the site calls createHoming() itself
  const queued = stub.q;
  const init = queued.find(([method]) => method === 'init');
  const homing = createHoming((init?.[1][0] as HomingConfig | undefined) ?? {});
  // In order, as if each call had been made on the loaded client: a queued flush() covers the calls
  // before it, a listener queued by onError() hears what goes wrong from then on. `queued.length`
  // is read on every turn: a listener may call the stub while the queue replays.
  for (let i = 0; i < queued.length; i++) {
    const [method, args, ts, settle] = queued[i];
    if (method === 'init') continue;
    const result = homing.replay(method, args, ts);
    if (typeof settle === 'function') settle(result);
  }
  // Replace the methods on the stub object itself, so code that kept a reference to the stub
  // (`const h = window.homing` before this module arrived) gets the real ones too.
  const { replay, ...api } = homing;
  delete stub.q;
  Object.assign(stub, api, {
    // The stub's own init would push to the queue that is gone: configuration is read once.
    init: () => void replay('init', [], Date.now()),
  });
}

boot(window as unknown as StubbedWindow);

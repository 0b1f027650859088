/**
 * Entry of `homing.js`, the module the page loads after the inline stub. It replaces the stub's
 * queueing methods with the real ones and replays what was queued, in order, with the original
 * capture times. Bundler users can call `createHoming` themselves instead.
 */
import { createHoming, type Homing, type HomingConfig } from './homing.js';

export { createHoming };
export type { Homing, HomingConfig, HomingStats, ErrorListener } from './homing.js';

type QueuedCall = [method: string, args: unknown[], ts: number];

interface StubbedWindow {
  homing?: Partial<Homing> & { q?: QueuedCall[] };
}

function boot(w: StubbedWindow): void {
  const stub = w.homing;
  if (!stub || !Array.isArray(stub.q)) return; // no stub: the site calls createHoming() itself
  const queued = stub.q;
  const init = queued.find(([method]) => method === 'init');
  const homing = createHoming((init?.[1][0] as HomingConfig | undefined) ?? {});
  for (let i = 0; i < queued.length; i++) {
    const [method, args, ts] = queued[i];
    if (method !== 'init') homing.replay(method, args, ts);
  }
  // Replace the methods on the stub object itself, so code that kept a reference to the stub
  // (`const h = window.homing` before this module arrived) gets the real ones too.
  const { replay: _replay, ...api } = homing;
  delete stub.q;
  Object.assign(stub, api);
}

boot(window as unknown as StubbedWindow);

/**
 * The client's public API, re-exported: what `import … from 'homing'` types resolve to
 * (dist/types/client/index.d.ts). The bundle `homing.js` is built from main.ts, which re-exports
 * this and boots on the stub's queue.
 */
import type { Homing, HomingConfig } from './homing.js';

export { createHoming } from './homing.js';
export type { Homing, HomingConfig, HomingStats, ErrorListener, FlushResult, ViewProperties } from './homing.js';

/**
 * `window.homing` on a page with the inline stub: the client's API, the same before and after
 * `homing.js` has loaded (src/client/global.d.ts declares the global with it).
 */
export interface HomingGlobal extends Homing {
  /** The configuration; read once, when `homing.js` loads (a later call is reported, not applied). */
  init(config?: HomingConfig): void;
}

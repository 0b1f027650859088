/**
 * What a site imports into its own service worker:
 *
 *   import { installHoming } from 'homing/sw.mjs';
 *   installHoming(self, { collector: 'https://collect.example.com' });
 */
export { installHoming, optionsFromUrl, type HomingSwOptions } from './install.js';
export type { SwRuntime } from './runtime.js';

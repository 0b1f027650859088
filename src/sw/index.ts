/**
 * What a site imports into its own (module or bundled) service worker:
 *
 *   import { installHoming } from 'homing/sw';
 *   installHoming(self, { collector: 'https://collect.example.com', lifecycle: false });
 */
export { installHoming, optionsFromUrl, type HomingSw, type HomingSwOptions } from './install.js';

/**
 * Entry of `homing-sw.js`, the service worker Homing registers itself, also usable with
 * `importScripts('homing-sw.js')` from a site's classic SW after setting `self.HOMING_SW = {…}`.
 */
import { installHoming, optionsFromUrl, type HomingSwOptions } from './install.js';

declare const self: ServiceWorkerGlobalScope & { HOMING_SW?: HomingSwOptions };

installHoming(self, self.HOMING_SW ?? optionsFromUrl(self.location.href));

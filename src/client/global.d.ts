/**
 * The `homing` global the inline stub defines, for sites written in TypeScript that paste the stub
 * instead of importing the client: `homing.track(...)`, `await homing.stats()` type-check strictly.
 * Shipped next to index.d.ts (the browser package's `homing/global` types); a site adds it with
 * `/// <reference types="homing/global" />` or `"types": ["homing/global"]` in its tsconfig.
 * Typed from the client's own public types, so the stub and the client cannot drift apart in
 * what a site sees.
 */
import type { HomingGlobal } from './index.js';

declare global {
  interface Window {
    homing: HomingGlobal;
  }
  // `var`, not `let`: the stub's global is a property of `window` (and `globalThis`).
  // eslint-disable-next-line no-var
  var homing: HomingGlobal;
}

export {};

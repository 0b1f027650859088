/**
 * `process.env.NODE_ENV` is replaced by build.mjs (esbuild `define`), so dev-only branches vanish
 * from production bundles (the workbox pattern). Declared here for the browser contexts.
 */
declare const process: { env: { NODE_ENV?: string } };
// `__HOMING_VERSION__`, the other `define`, is declared in config.ts itself: Node programs
// (bench, tests) import config.ts without this file.

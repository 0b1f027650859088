/**
 * `process.env.NODE_ENV` is replaced by build.mjs (esbuild `define`), so dev-only branches vanish
 * from production bundles (the workbox pattern). Declared here for the browser contexts.
 */
declare const process: { env: { NODE_ENV?: string } };

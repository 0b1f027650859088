/**
 * The demo behind a faulty network: `site` serves the demo with its collector URL pointed at
 * `faulty`, a proxy in front of the real collector (test/helpers/faulty-proxy.ts) that a test
 * switches to lose answers after commit, answer 5xx or 429, or pass.
 *
 * `site` listens on the port of fixtures.ts's `demo`: a test uses one of the two, never both.
 */
import type { Server } from 'node:http';
import { createDemoServer } from '../../demo/server.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.js';
import { test as base } from './fixtures.js';

export { expect } from './fixtures.js';

// `faulty`, not `proxy`: Playwright already has a `proxy` option (the browser's own proxy).
export const test = base.extend<{ faulty: FaultyProxy; site: { origin: string } }>({
  faulty: async ({ collector }, use) => {
    const proxy = await startFaultyProxy({ target: collector.url });
    await use(proxy);
    await proxy.stop();
  },
  site: async ({ ports, faulty }, use) => {
    const server: Server = createDemoServer({ port: ports.demo, host: '127.0.0.1', collector: faulty.url, root: 'demo', bundles: 'dist/browser' });
    await new Promise<void>((resolve) => server.listen(ports.demo, '127.0.0.1', resolve));
    await use({ origin: `http://127.0.0.1:${ports.demo}` });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },
});

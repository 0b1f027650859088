/**
 * `node dist/demo/cli.js --port 8080 --collector http://127.0.0.1:8787 [--dashboard-key <read key>]`
 * (the key only goes into the shop panel's link to the collector's dashboard).
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDemoServer } from './server.js';

// Homing's browser files as the published package has them: node_modules/homing is the workspace
// link to packages/homing, which the build fills. The shop's own scripts stay in dist/demo/shop.
const PACKAGE_FILES = dirname(fileURLToPath(import.meta.resolve('homing/stub.js')));

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.DEMO_PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    collector: { type: 'string', default: process.env.HOMING_COLLECTOR ?? 'http://127.0.0.1:8787' },
    root: { type: 'string', default: 'demo' },
    bundles: { type: 'string', default: PACKAGE_FILES },
    'dashboard-key': { type: 'string', default: process.env.HOMING_DASHBOARD_KEY },
  },
});

const server = createDemoServer({
  port: Number(values.port),
  host: values.host!,
  collector: values.collector!,
  root: values.root!,
  bundles: values.bundles!,
  shopBundles: 'dist/demo/shop',
  dashboardKey: values['dashboard-key'],
});
server.listen(Number(values.port), values.host, () => {
  console.log(`homing demo on http://${values.host}:${values.port}/ (collector ${values.collector})`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

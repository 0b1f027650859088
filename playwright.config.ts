import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, resolveChromium } from './test/helpers/browsers.js';

// One worker: these machines have 2 cores, and each test runs a browser, a collector and a server.
// No retries: a flaky e2e test is a bug to find (usually a missing wait on a real signal).
export default defineConfig({
  testDir: './test/e2e',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: resolveChromium(), args: CHROMIUM_ARGS },
  },
});

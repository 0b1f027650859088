import { defineConfig } from '@playwright/test';

// The consumer tests (test/consumer): the packed packages installed into fresh projects, four sites
// built with real bundlers, each run in Chromium. Separate from test/e2e because they build their
// own sites from the tarballs instead of using this repository's dist/. One worker, no retries.
export default defineConfig({
  testDir: './test/consumer',
  workers: 1,
  retries: 0,
  timeout: 180_000,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
});

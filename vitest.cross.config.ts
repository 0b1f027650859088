import { defineConfig } from 'vitest/config';

// The cross-browser scenarios (test/cross): the same delivery guarantees in real Chromium, real
// Firefox (both driven by puppeteer-core) and real WebKit (classic WebDriver, test/helpers/webkit.ts).
// One file at a time, one test at a time: each test runs a browser, a collector process and two
// servers on a 2-core machine. No retries.
export default defineConfig({
  test: {
    include: ['test/cross/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    retry: 0,
    // After each file, any collector or browser a test started and did not stop is stopped.
    setupFiles: ['test/helpers/process-cleanup.ts'],
  },
});

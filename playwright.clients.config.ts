import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';

// The client-compatibility suite (test/clients, issue 15): real third-party libraries, unmodified,
// against a real collector process: the Node ones in the test runner, the browser ones in Chromium.
// The e2e suite's settings (one worker, no retries, Debian's Chromium); the compat reporter writes
// test-results/clients/compat.json and checks docs/compatibility.md against it.
export default defineConfig({
  ...base,
  testDir: './test/clients',
  timeout: 120_000,
  reporter: [['list'], ['./test/clients/compat-reporter.ts']],
});

import { defineConfig } from 'vitest/config';

// Unit tests: pure logic in Node. Real-browser behaviour lives in test/e2e (Playwright).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // vitest's 5 s defaults failed two tests of a fresh-clone CI run on a busy 2-core machine (a
    // collector process, a worker thread starting). Long enough for a loaded machine; a hang still
    // fails in well under CI's limit. Tests that need longer say so themselves.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

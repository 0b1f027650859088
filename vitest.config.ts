import { defineConfig } from 'vitest/config';

// Two projects (`npx vitest run --project unit`, `--project integration`):
// - unit (test/unit): pure logic and in-process servers (fastify `inject`, loopback sockets); no
//   build, no ClickHouse, no child process. `npm run test:unit`.
// - integration (test/integration): real processes: the built bins (dist/; `node build.mjs` first),
//   a private ClickHouse server. `npm run test:integration`.
// Real-browser behaviour lives in test/e2e (Playwright) and test/cross (vitest.cross.config.ts).
export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    // vitest's 5 s defaults failed tests of a CI run on a busy 2-core machine (a collector process,
    // a worker thread starting). Long enough for a loaded machine; a hang still fails in well under
    // CI's limit. Tests that need longer say so themselves.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // After each file, any process a test started and did not stop is stopped (even after a timeout).
    setupFiles: ['test/helpers/process-cleanup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
    ],
  },
});

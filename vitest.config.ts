import { defineConfig } from 'vitest/config';

// Unit tests: pure logic in Node. Real-browser behaviour lives in test/e2e (Playwright).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

// Every test suite, one project each. `npm test` runs `strategy` and the emulator package's own
// suite (`emulator`); the others need what `.ci/run` sets up and run in CI steps of their own:
// `npm run test:e2e` (Chromium), `npm run test:redis` (REDIS_URL), `npm run test:types` and
// `npm run test:node-matrix` (scratch sites, minutes each). A bare `npx vitest run` runs them all.
export default defineConfig({
  test: {
    // Both packages' dist/ are built first when stale: tests import them by name.
    globalSetup: ['scripts/build.mjs'],
    projects: [
      { test: { name: 'strategy', include: ['test/**/*.test.ts'], testTimeout: 15_000, hookTimeout: 60_000 } },
      'packages/*',
      {
        // The real-browser tests: Chromium through the example app, one at a time (two cores).
        test: { name: 'e2e', include: ['test/e2e/**/*.e2e.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
      },
      {
        // Two app processes sharing the Redis at REDIS_URL.
        test: { name: 'redis', include: ['test/redis/**/*.redis.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
      },
      {
        // TypeScript versions × @types/express majors × module resolutions (test/types), and Node
        // 18 to 24 × require and import (test/package). tsc and Node binaries are CPU-bound: two
        // at a time.
        test: { name: 'matrix', include: ['test/**/*.matrix.ts'], testTimeout: 120_000, hookTimeout: 300_000, maxConcurrency: 2 },
      },
    ],
  },
});

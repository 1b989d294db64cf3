import { defineConfig } from 'vitest/config';

// The real-browser tests (`npm run test:e2e`): Chromium through the example app. Kept out of
// `npm test`, which needs no browser.
export default defineConfig({
  test: {
    globalSetup: ['scripts/build.mjs'],
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One browser and one example app at a time: the machine may have two cores.
    fileParallelism: false,
  },
});

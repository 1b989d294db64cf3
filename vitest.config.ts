import { defineConfig } from 'vitest/config';

// `npm test` runs the strategy's tests and the emulator package's own suite.
export default defineConfig({
  test: {
    // Both packages' dist/ are built first when stale: tests import them by name.
    globalSetup: ['scripts/build.mjs'],
    projects: [{ test: { name: 'strategy', include: ['test/**/*.test.ts'], testTimeout: 15_000, hookTimeout: 60_000 } }, 'packages/*'],
  },
});

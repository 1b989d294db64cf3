import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['scripts/build.mjs'],
    include: ['test/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 60_000,
  },
});

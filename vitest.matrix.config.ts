import { defineConfig } from 'vitest/config';

// The support matrices, each a CI step of its own: `npm run test:types` (TypeScript versions ×
// @types/express majors × module resolutions) and `npm run test:node-matrix` (Node 18, 20, 22, 24
// × require and import). Kept out of `npm test`: they install scratch sites and take minutes.
export default defineConfig({
  test: {
    globalSetup: ['scripts/build.mjs'],
    include: ['test/**/*.matrix.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // tsc and the Node binaries are CPU-bound: two at a time, for a machine with two cores.
    maxConcurrency: 2,
  },
});

import { defineConfig } from 'vitest/config';

// The multi-instance tests (`npm run test:redis`): two app processes sharing a real Redis, whose
// address comes from REDIS_URL (`.ci/run` starts redis-server). Kept out of `npm test`, which
// needs no Redis.
export default defineConfig({
  test: {
    globalSetup: ['scripts/build.mjs'],
    include: ['test/redis/**/*.redis.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

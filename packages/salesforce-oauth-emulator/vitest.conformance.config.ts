import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The conformance suite (`npm run test:conformance` at the root): Salesforce's own CLI, jsforce
// and nforce, at pinned current releases, against the emulator over HTTPS. Kept out of
// `npm test`: it installs the clients (about 190 MB, cached) and drives Chromium.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    globalSetup: [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))],
    include: ['test/conformance/**/*.conformance.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // One client process and one browser at a time: the machine may have two cores.
    fileParallelism: false,
  },
});

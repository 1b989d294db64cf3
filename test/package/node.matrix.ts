/**
 * The Node matrix (`npm run test:node-matrix`): the packed tarball in a CommonJS site (Express 4,
 * `require`) and an ESM site (Express 5, `import`), each logging in once with `openid` against
 * the emulator, on real Node binaries of every supported line. Node 20 runs twice: 20.18, the last
 * release without require(esm), and the newest 20. The whole test suite runs on the Node that
 * runs vitest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBinary } from '../helpers/node-binaries.js';
import { run } from '../helpers/scratch.js';
import { installScratchApps, loggedIn, type ScratchApps } from './scratch-apps.js';

const NODE_VERSIONS = ['18.20.8', '20.18.3', '20.20.2', '22.23.5', '24.22.3'];

let scratch = '';
let apps: ScratchApps;
const binaries: Record<string, string> = {};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-node-matrix-'));
  const downloads = NODE_VERSIONS.map(async (version) => {
    binaries[version] = await nodeBinary(version);
  });
  [apps] = await Promise.all([installScratchApps(scratch), ...downloads]);
}, 600_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe.concurrent('the published package on every supported Node', () => {
  for (const version of NODE_VERSIONS) {
    it(`Node ${version}: require() from a CommonJS site on Express 4, login with openid`, async () => {
      const { stdout } = await run(binaries[version] ?? '', ['cjs-app.cjs'], { cwd: apps.cjsApp });
      expect(JSON.parse(stdout)).toEqual(loggedIn('4', { username: 'ada@example.com' }, `v${version}`));
    });

    it(`Node ${version}: import from an ESM site on Express 5, login with openid`, async () => {
      const { stdout } = await run(binaries[version] ?? '', ['esm-app.mjs'], { cwd: apps.esmApp });
      expect(JSON.parse(stdout)).toEqual(
        loggedIn('5', { username: 'ada@example.com', instanceUrl: true, idTokenSubject: true }, `v${version}`),
      );
    });
  }
});

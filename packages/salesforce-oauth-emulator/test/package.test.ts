import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
let scratch = '';

/** Starts the emulator, reads its discovery document, stops it, and prints what it saw. */
const PROBE = `
const emulator = await startEmulator();
const discovery = await (await fetch(emulator.url + '/.well-known/openid-configuration')).json();
await emulator.close();
console.log(JSON.stringify({ issuer: discovery.issuer === emulator.url, token: discovery.token_endpoint === emulator.url + '/services/oauth2/token' }));
`;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'salesforce-oauth-emulator-scratch-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: packageDir });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  await writeFile(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, dependencies: { 'salesforce-oauth-emulator': `file:${join(scratch, filename)}` } }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: scratch });
  await writeFile(
    join(scratch, 'probe.cjs'),
    `const { startEmulator } = require('salesforce-oauth-emulator');\n(async () => {${PROBE}})();\n`,
  );
  await writeFile(join(scratch, 'probe.mjs'), `import { startEmulator } from 'salesforce-oauth-emulator';\n${PROBE}`);
}, 240_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the published emulator package', () => {
  it('ships only the build, the README and the license', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: packageDir });
    const [{ files }] = JSON.parse(stdout) as [{ files: Array<{ path: string }> }];
    const outside = files
      .map((file) => file.path)
      .filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(path));
    expect(outside).toEqual([]);
  });

  it('starts from a CommonJS require()', async () => {
    const { stdout } = await run('node', ['probe.cjs'], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ issuer: true, token: true });
  });

  it('starts from an ESM import', async () => {
    const { stdout } = await run('node', ['probe.mjs'], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ issuer: true, token: true });
  });

  it('installs the salesforce-oauth-emulator command', async () => {
    const { stdout } = await run(join(scratch, 'node_modules', '.bin', 'salesforce-oauth-emulator'), ['pkce', '--json'], { cwd: scratch });
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(['code_verifier', 'code_challenge', 'code_challenge_method']);
  });
});

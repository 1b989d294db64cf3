import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const scratchSources = fileURLToPath(new URL('./scratch/', import.meta.url));
let scratch = '';

/**
 * Packs the package as npm would publish it, installs the tarball into a scratch app next to
 * the express, express-session and passport versions this repository tests with, and logs in
 * from a CommonJS and an ESM entry point.
 */
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-scratch-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  const versionOf = (name: string): string => lock.packages[`node_modules/${name}`]?.version ?? 'latest';
  await writeFile(
    join(scratch, 'package.json'),
    JSON.stringify({
      name: 'scratch-app',
      private: true,
      dependencies: {
        'passport-salesforce-pkce': `file:./${filename}`,
        express: versionOf('express'),
        'express-session': versionOf('express-session'),
        passport: versionOf('passport'),
      },
    }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: scratch });
  for (const file of ['drive-login.cjs', 'cjs-app.cjs', 'esm-app.mjs']) await copyFile(join(scratchSources, file), join(scratch, file));
}, 240_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the published package', () => {
  it('ships only the build, the README and the license', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
    const [{ files }] = JSON.parse(stdout) as [{ files: Array<{ path: string }> }];
    const outside = files.map((file) => file.path).filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(path));
    expect(outside).toEqual([]);
    expect(files.some((file) => file.path.includes('node_modules'))).toBe(false);
  });

  it('logs in from a CommonJS app that uses require()', async () => {
    const { stdout } = await run('node', ['cjs-app.cjs'], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ status: 200, body: { user: { username: 'ada@example.com' } } });
  });

  it('logs in from an ESM app that uses import', async () => {
    const { stdout } = await run('node', ['esm-app.mjs'], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ status: 200, body: { user: { username: 'ada@example.com', instanceUrl: true } } });
  });
});

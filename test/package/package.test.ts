import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const scratchSources = fileURLToPath(new URL('./scratch/', import.meta.url));
let scratch = '';

/** A scratch app directory with the packed tarballs and the given Express major installed. */
async function scratchApp(tarballs: Tarballs, name: string, expressVersion: string, entry: string): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir);
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      private: true,
      dependencies: {
        'passport-salesforce-pkce': `file:${tarballs.strategy}`,
        'salesforce-oauth-emulator': `file:${tarballs.emulator}`,
        express: expressVersion,
        'express-session': versionOf('express-session'),
        passport: versionOf('passport'),
      },
    }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  for (const file of ['drive-login.cjs', entry]) await copyFile(join(scratchSources, file), join(dir, file));
  return dir;
}

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
function versionOf(name: string): string {
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

interface Tarballs {
  strategy: string;
  emulator: string;
}

/** Packs a package of this repository (the root or a workspace) as npm would publish it. */
async function pack(...workspace: string[]): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch, ...workspace], { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return join(scratch, filename);
}

/**
 * Packs the strategy and the emulator as npm would publish them and installs both tarballs into
 * two scratch apps: a CommonJS one on Express 4 and an ESM one on Express 5, each with the versions
 * this repository tests with.
 */
let cjsApp = '';
let esmApp = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-scratch-'));
  const tarballs = { strategy: await pack(), emulator: await pack('-w', 'salesforce-oauth-emulator') };
  cjsApp = await scratchApp(tarballs, 'cjs-app', versionOf('express4'), 'cjs-app.cjs');
  esmApp = await scratchApp(tarballs, 'esm-app', versionOf('express'), 'esm-app.mjs');
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

  it('contains no emulator code and installs nothing of the emulator', async () => {
    const installed = join(cjsApp, 'node_modules', 'passport-salesforce-pkce');
    const { stdout } = await run('grep', ['-rlE', 'startEmulator|RemoteAccessAuthorizationPage|RemoteAccessErrorPage', join(installed, 'dist')]).catch((error: { code: number; stdout: string }) => {
      if (error.code === 1) return { stdout: '' };
      throw error;
    });
    expect(stdout).toBe('');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; bin?: unknown; exports: Record<string, unknown> };
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('salesforce-oauth-emulator');
    expect(manifest.bin).toBeUndefined();
    expect(Object.keys(manifest.exports)).toEqual(['./package.json', '.']);
  });

  it('logs in from a CommonJS app on Express 4 that uses require()', async () => {
    const { stdout } = await run('node', ['cjs-app.cjs'], { cwd: cjsApp });
    expect(JSON.parse(stdout)).toEqual({ express: '4', status: 200, body: { user: { username: 'ada@example.com' } } });
  });

  it('logs in from an ESM app on Express 5 that uses import', async () => {
    const { stdout } = await run('node', ['esm-app.mjs'], { cwd: esmApp });
    expect(JSON.parse(stdout)).toEqual({ express: '5', status: 200, body: { user: { username: 'ada@example.com', instanceUrl: true } } });
  });

});

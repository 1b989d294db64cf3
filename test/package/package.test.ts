import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, run } from '../helpers/scratch.js';
import { installScratchApps, loggedIn } from './scratch-apps.js';

let scratch = '';
let cjsApp = '';
let esmApp = '';
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-scratch-'));
  ({ cjsApp, esmApp } = await installScratchApps(scratch));
}, 240_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the published package', () => {
  it('ships only the build, the README and the license', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
    const [{ files }] = JSON.parse(stdout) as [{ files: Array<{ path: string }> }];
    const outside = files
      .map((file) => file.path)
      .filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(path));
    expect(outside).toEqual([]);
    expect(files.some((file) => file.path.includes('node_modules'))).toBe(false);
  });

  it('runs no script of its own when a site installs it', () => {
    const installed = JSON.parse(readFileSync(join(cjsApp, 'node_modules', 'passport-salesforce-pkce', 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    const installTime = ['preinstall', 'install', 'postinstall', 'prepare'].filter((name) => installed.scripts?.[name] !== undefined);
    expect(installTime).toEqual([]);
  });

  it('brings no @types packages into a JavaScript site', () => {
    expect(existsSync(join(cjsApp, 'node_modules', '@types'))).toBe(false);
  });

  it('logs in with openid from a CommonJS app on Express 4 that uses require()', async () => {
    const { stdout } = await run('node', ['cjs-app.cjs'], { cwd: cjsApp });
    expect(JSON.parse(stdout)).toEqual(loggedIn('4', { username: 'ada@example.com' }));
  });

  it('logs in with openid from an ESM app on Express 5 that uses import', async () => {
    const { stdout } = await run('node', ['esm-app.mjs'], { cwd: esmApp });
    expect(JSON.parse(stdout)).toEqual(loggedIn('5', { username: 'ada@example.com', instanceUrl: true, idTokenSubject: true }));
  });

  it('contains no emulator code and installs nothing of the emulator', async () => {
    const installed = join(cjsApp, 'node_modules', 'passport-salesforce-pkce');
    const { stdout } = await run('grep', [
      '-rlE',
      'startEmulator|RemoteAccessAuthorizationPage|RemoteAccessErrorPage',
      join(installed, 'dist'),
    ]).catch((error: { code: number; stdout: string }) => {
      if (error.code === 1) return { stdout: '' };
      throw error;
    });
    expect(stdout).toBe('');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      bin?: unknown;
      exports: Record<string, unknown>;
    };
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['jsonwebtoken', 'passport-oauth2']);
    expect(manifest.bin).toBeUndefined();
    expect(Object.keys(manifest.exports)).toEqual(['./package.json', '.']);
  });
});

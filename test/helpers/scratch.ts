import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Scratch sites for tests of the published package: the tarball `npm pack` makes, installed with
 * npm into a fresh directory next to the dependencies a site would have.
 */

export const run = promisify(execFile);
export const root = fileURLToPath(new URL('../..', import.meta.url));

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };

/** The version package-lock.json installs under `node_modules/{name}` (an npm alias's real version). */
export function versionOf(name: string): string {
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/**
 * Packs the strategy, or the named workspace package, as npm would publish it (dist/ is built by
 * the test setup) into `dir`; resolves to the tarball's path.
 */
export async function packTarball(dir: string, workspace?: string): Promise<string> {
  const args = [
    'pack',
    '--json',
    '--ignore-scripts',
    '--pack-destination',
    dir,
    ...(workspace === undefined ? [] : ['--workspace', workspace]),
  ];
  const { stdout } = await run('npm', args, { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return join(dir, filename);
}

/** Writes a private package.json with these dependencies into `dir` (created) and runs npm install there. */
export async function installSite(dir: string, dependencies: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch-site', private: true, dependencies }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
}

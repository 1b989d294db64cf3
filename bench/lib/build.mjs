/**
 * The benchmark imports both packages by their names, i.e. their built files: the strategy's
 * dist/ and the emulator workspace's dist/. Either is rebuilt when its src/ is newer (a fresh
 * `npm ci` builds neither).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(dir) {
  try {
    return newestMtime(join(dir, 'dist'));
  } catch {
    return 0;
  }
}

/**
 * Rebuilds, with tshy, each package under `root` (the root package and `packages/<name>`) whose
 * dist/ is older than its src/. With `build: false` it only warns; a failed build exits.
 */
export function ensureBuilt(root, { build = true, packages = ['.', 'packages/salesforce-oauth-emulator'] } = {}) {
  for (const relative of packages) {
    const dir = join(root, relative);
    if (builtAt(dir) >= newestMtime(join(dir, 'src'))) continue;
    const name = relative === '.' ? 'dist/' : `${relative}/dist/`;
    if (!build) {
      console.warn(`bench: ${name} is older than its src/ (--no-build given): measuring the old build`);
      continue;
    }
    console.log(`bench: ${name} is older than its src/, rebuilding with tshy`);
    try {
      execFileSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['tshy'], { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
    } catch (error) {
      console.error(`${error.stdout ?? ''}${error.stderr ?? ''}`);
      console.error('bench: the build failed (see above); fix src/ or pass --no-build to measure the existing build');
      process.exit(1);
    }
  }
}

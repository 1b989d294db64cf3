/**
 * Builds each package's dist/ with tshy when it is missing or older than its src/: the strategy
 * (the root) and the emulator (packages/salesforce-oauth-emulator). `npm start`, `npm test` (through
 * the test setup) and the benchmark call it, so a fresh clone works after `npm install` without a
 * `prepare` script (which npm would also run, with a warning, on every install of the published
 * package). `npm pack` builds unconditionally through `prepack`.
 *
 *   node scripts/build.mjs          build if stale
 *   import { ensureBuilt } from …   the same, from another script
 *   globalSetup: ['scripts/build.mjs']  the same, before vitest collects a test file
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The packages of this repository, each built by tshy from its own src/. */
const PACKAGES = [root, join(root, 'packages', 'salesforce-oauth-emulator')];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether a package's dist/ is missing or older than the newest file in its src/. */
export function isStale(packageDir = root) {
  let built = 0;
  try {
    built = newestMtime(join(packageDir, 'dist'));
  } catch {
    // no dist/ yet
  }
  return built < newestMtime(join(packageDir, 'src'));
}

function tshy(packageDir) {
  try {
    execFileSync(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['tshy'], { cwd: packageDir, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    throw new Error(`the build of ${packageDir} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`, { cause: error });
  }
}

/**
 * Runs tshy in each package whose dist/ is stale; returns whether it built any. Throws with
 * tshy's output when a build fails. `announce` is told, before each build, what is being built
 * (`npm start` prints it, so the half minute a build takes is not silence).
 */
export function ensureBuilt({ packages = PACKAGES, announce = () => {}, build = tshy } = {}) {
  const stale = packages.filter((packageDir) => isStale(packageDir));
  for (const packageDir of stale) {
    const { name } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    announce(`Building ${name} with tshy (its dist/ is missing or older than its src/), which takes a moment…`);
    build(packageDir);
  }
  return stale.length > 0;
}

/** vitest's globalSetup hook: the tests import the package by its name, i.e. from dist/. */
export function setup() {
  ensureBuilt();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    if (ensureBuilt({ announce: (line) => console.log(line) })) console.log('Built.');
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

/**
 * Builds each package's dist/ with tshy when it is missing, older than its src/, or built from
 * other sources (a file since removed or renamed): the strategy
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
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The packages of this repository, each built by tshy from its own src/. */
const PACKAGES = [root, join(root, 'packages', 'salesforce-oauth-emulator')];
/**
 * Where the list of each package's sources at its last build is kept: outside dist/, which is
 * published and which tshy empties.
 */
const SOURCE_LISTS = join(root, 'node_modules', '.cache', 'build-sources');

/** The files below `dir`, as paths relative to it, with their modification times. */
function files(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [{ path: `${prefix}${entry.name}`, mtimeMs: statSync(join(dir, entry.name)).mtimeMs }],
  );
}

const newestMtime = (found) => Math.max(0, ...found.map((file) => file.mtimeMs));

/**
 * One package as the build sees it, each file read once: its name, the list of its sources now,
 * where the list of its last build is kept and what it says, and whether its dist/ is missing,
 * older than the newest file in its src/, or built from another set of sources (a file removed
 * or renamed since changes no file's time, and its old output would stay in dist/).
 */
function inspect(packageDir, lists) {
  const { name } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const sourceFiles = files(join(packageDir, 'src'));
  const sources = sourceFiles
    .map((file) => file.path)
    .sort()
    .join('\n');
  const listFile = join(lists, `${name.replace('/', '+')}.txt`);
  let recorded;
  try {
    recorded = readFileSync(listFile, 'utf8');
  } catch {
    // no build recorded yet
  }
  let built = 0;
  try {
    built = newestMtime(files(join(packageDir, 'dist')));
  } catch {
    // no dist/ yet
  }
  const stale = built < newestMtime(sourceFiles) || (recorded !== undefined && recorded !== sources);
  return { packageDir, name, sources, listFile, recorded, stale };
}

/**
 * Whether a package's dist/ is missing, older than the newest file in its src/, or built from
 * another set of sources. `lists`: where the sources of the last builds are recorded.
 */
export function isStale(packageDir = root, { lists = SOURCE_LISTS } = {}) {
  return inspect(packageDir, lists).stale;
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
export function ensureBuilt({ packages = PACKAGES, announce = () => {}, build = tshy, lists = SOURCE_LISTS } = {}) {
  const inspected = packages.map((packageDir) => inspect(packageDir, lists));
  for (const { packageDir, name, stale } of inspected) {
    if (!stale) continue;
    announce(`Building ${name} with tshy (its dist/ is missing or behind its src/), which takes a moment…`);
    build(packageDir);
  }
  // The sources each dist/ now reflects, so that one removed later makes it stale.
  for (const { sources, listFile, recorded, stale } of inspected) {
    if (!stale && recorded !== undefined) continue;
    mkdirSync(lists, { recursive: true });
    writeFileSync(listFile, sources);
  }
  return inspected.some(({ stale }) => stale);
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

/**
 * Whether a package's dist/ (the root's by default) is missing, older than the newest file in its
 * src/, or built from other sources than src/ holds now (as recorded in `lists`, by default
 * node_modules/.cache/build-sources).
 */
export function isStale(packageDir?: string, options?: { lists?: string }): boolean;
/**
 * Runs `build` (tshy) in each of `packages` (both packages of the repository) whose dist/ is
 * stale, telling `announce` first, and records in `lists` the sources each dist/ was built from;
 * returns whether it built any. Throws with tshy's output when a build fails.
 */
export function ensureBuilt(options?: {
  packages?: string[];
  announce?: (line: string) => void;
  build?: (packageDir: string) => void;
  lists?: string;
}): boolean;
/** vitest's globalSetup hook. */
export function setup(): void;

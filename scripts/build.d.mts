/** Whether a package's dist/ (the root's by default) is missing or older than the newest file in its src/. */
export function isStale(packageDir?: string): boolean;
/**
 * Runs `build` (tshy) in each of `packages` (both packages of the repository) whose dist/ is
 * stale, telling `announce` first; returns whether it built any. Throws with tshy's output when a
 * build fails.
 */
export function ensureBuilt(options?: {
  packages?: string[];
  announce?: (line: string) => void;
  build?: (packageDir: string) => void;
}): boolean;
/** vitest's globalSetup hook. */
export function setup(): void;

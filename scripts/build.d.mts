/** Whether a package's dist/ (the root's by default) is missing or older than the newest file in its src/. */
export function isStale(packageDir?: string): boolean;
/** Runs tshy in each package whose dist/ is stale; returns whether it built any. Throws with tshy's output when a build fails. */
export function ensureBuilt(): boolean;
/** vitest's globalSetup hook. */
export function setup(): void;

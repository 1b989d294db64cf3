/** Whether dist/ is missing or older than the newest file in src/. */
export function isStale(): boolean;
/** Runs tshy when dist/ is stale; resolves whether it built. Throws with tshy's output when the build fails. */
export function ensureBuilt(): boolean;
/** vitest's globalSetup hook. */
export function setup(): void;

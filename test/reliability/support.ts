import fc, { type Parameters } from 'fast-check';

/** Any JavaScript value fast-check can make, exotic ones included (BigInt, Map, null prototypes, boxed values…). */
export function anyValue(maxDepth?: number): fc.Arbitrary<unknown> {
  return fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
    ...(maxDepth === undefined ? {} : { maxDepth }),
  });
}

/**
 * fast-check parameters for a property: `numRuns` runs, or a replay of a failure with
 * `FC_SEED=<seed> [FC_PATH=<path>]` (both printed in the failure message), or more runs with
 * `FC_RUNS=<n>`.
 */
export function propertyParameters<T>(numRuns: number): Parameters<T> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  const runs = process.env.FC_RUNS === undefined ? numRuns : Number(process.env.FC_RUNS);
  return {
    numRuns: runs,
    ...(seed === undefined ? {} : { seed }),
    ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }),
  };
}

/** Process-level crashes seen while a suite runs: unhandled rejections and uncaught exceptions. */
export interface ProcessWatch {
  readonly failures: Array<{ kind: 'unhandledRejection' | 'uncaughtException'; error: unknown }>;
  stop(): void;
}

export function watchProcess(): ProcessWatch {
  const failures: ProcessWatch['failures'] = [];
  const onRejection = (error: unknown): void => {
    failures.push({ kind: 'unhandledRejection', error });
  };
  const onException = (error: unknown): void => {
    failures.push({ kind: 'uncaughtException', error });
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    failures,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

const PROTOTYPES: ReadonlyArray<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

/** Every own key of the built-in prototypes a polluting parser could reach. */
export function prototypeKeys(): Record<string, string[]> {
  return Object.fromEntries(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
}

/** A fresh object inherits nothing an attacker could have planted. */
export function probeForPollution(): string[] {
  const probe = {} as Record<string, unknown>;
  return ['polluted', 'isAdmin', 'verifier', 'state', 'code', 'toJSON', 'then'].filter((key) => probe[key] !== undefined);
}

const ENTRY_FIELDS = new Set(['verifier', 'createdAt', 'state', 'nonce', 'loginURL']);

/**
 * What is wrong with a session's pending-login store: a key that is not a state handle, an entry
 * without its verifier and creation time, or a field no pending login has.
 */
export function pendingEntryProblems(store: unknown): string[] {
  if (store === undefined) return [];
  if (typeof store !== 'object' || store === null || Array.isArray(store)) return [`the store is ${JSON.stringify(store)}`];
  const problems: string[] = [];
  if (Object.getPrototypeOf(store) !== Object.prototype) problems.push('the store is not a plain object');
  for (const [handle, entry] of Object.entries(store)) {
    if (!/^[A-Za-z0-9_-]{22}$/.test(handle)) problems.push(`unexpected key ${JSON.stringify(handle)}`);
    if (typeof entry !== 'object' || entry === null) {
      problems.push(`entry ${handle} is ${JSON.stringify(entry)}`);
      continue;
    }
    const fields = entry as Record<string, unknown>;
    if (typeof fields.verifier !== 'string' || typeof fields.createdAt !== 'number')
      problems.push(`entry ${handle} lacks its verifier or createdAt`);
    const unexpected = Object.keys(fields).filter((field) => !ENTRY_FIELDS.has(field));
    if (unexpected.length > 0) problems.push(`entry ${handle} has unexpected fields ${unexpected.join()}`);
  }
  return problems;
}

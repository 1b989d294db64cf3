import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { IdTokenError, SalesforceResponseError } from './errors.js';

/** Reads a JSON Web Key Set; the strategy passes its HTTP client, bounded by `requestTimeout`. */
export type KeySetFetcher = (url: URL) => Promise<Record<string, unknown>>;

/**
 * Keys are fetched again when 10 minutes old (a withdrawn key stops verifying), and at most once
 * per 30 s for a `kid` they do not have (Salesforce rotates keys, and tokens naming made-up kids
 * must not turn every login into a fetch).
 */
const KEY_CACHE_MAX_AGE_MS = 10 * 60_000;
const KEY_REFETCH_COOLDOWN_MS = 30_000;
/** Login hosts whose keys are kept; beyond it the least recently used are dropped. */
const MAX_CACHED_KEY_SETS = 100;

interface VerificationKey {
  kid: unknown;
  key: KeyObject;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The keys of a set that can verify RS256 (RFC 7517 §4: `kty` RSA, `alg` RS256 or absent, `use`
 * `sig` or absent, `key_ops` allowing `verify` or absent), imported once. A key Node cannot
 * import verifies nothing, as if it were not there.
 */
function rs256Keys(keySet: Record<string, unknown>): VerificationKey[] {
  const { keys } = keySet;
  if (!Array.isArray(keys) || !keys.every(isObject)) throw new SalesforceResponseError('keys', 200, 'not a JSON Web Key Set');
  const usable: VerificationKey[] = [];
  for (const jwk of keys) {
    if (jwk.kty !== 'RSA' || (jwk.alg !== undefined && jwk.alg !== 'RS256') || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) continue;
    try {
      usable.push({ kid: jwk.kid, key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }) });
    } catch {
      // Not an RSA public key Node can read.
    }
  }
  return usable;
}

/** One login host's keys: fetched when first needed, when stale, and for an unknown kid. */
class RemoteKeySet {
  private keys: VerificationKey[] | undefined;
  private fetchedAt = 0;
  private fetching: Promise<VerificationKey[]> | undefined;

  constructor(
    private readonly url: URL,
    private readonly fetchKeySet: KeySetFetcher,
  ) {}

  /** The keys, fetched first when there are none yet or they are 10 minutes old. */
  async fresh(): Promise<VerificationKey[]> {
    return this.keys !== undefined && Date.now() < this.fetchedAt + KEY_CACHE_MAX_AGE_MS ? this.keys : this.reload();
  }

  /** The one key that `kid` names (any key when the token names none), or the `key` check fails. */
  async key(kid: unknown): Promise<KeyObject> {
    let keys = await this.fresh();
    let matching = keys.filter((key) => kid === undefined || key.kid === kid);
    if (matching.length === 0 && Date.now() >= this.fetchedAt + KEY_REFETCH_COOLDOWN_MS) {
      keys = await this.reload();
      matching = keys.filter((key) => kid === undefined || key.kid === kid);
    }
    if (matching.length !== 1 || matching[0] === undefined) throw new IdTokenError('key');
    return matching[0].key;
  }

  /** One fetch shared by every login waiting for it; a failed or unusable answer is not kept. */
  private reload(): Promise<VerificationKey[]> {
    this.fetching ??= this.fetchKeySet(this.url)
      .then((keySet) => {
        this.keys = rs256Keys(keySet);
        this.fetchedAt = Date.now();
        return this.keys;
      })
      .finally(() => {
        this.fetching = undefined;
      });
    return this.fetching;
  }
}

/** The key sets of the login hosts in use, the most recently used kept. */
export class KeySets {
  private readonly sets = new Map<string, RemoteKeySet>();

  constructor(private readonly fetchKeySet: KeySetFetcher) {}

  /** The key that `kid` names in the set of the login base `issuer` (its `/id/keys`). */
  key(issuer: string, kid: unknown): Promise<KeyObject> {
    return this.set(issuer).key(kid);
  }

  /**
   * Makes sure the keys of `issuer` are fresh, fetching them when they are not, if an id_token is
   * expected or one came from `issuer` before: rejects with the fetch's error. A login calls it
   * while its code is being exchanged, so stale or missing keys cost no round trip of their own.
   */
  async prefetch(issuer: string, expectIdToken: boolean): Promise<void> {
    if (expectIdToken || this.sets.has(issuer)) await this.set(issuer).fresh();
  }

  /** The set of `issuer`, made the most recently used. */
  private set(issuer: string): RemoteKeySet {
    let set = this.sets.get(issuer);
    if (set) this.sets.delete(issuer);
    else set = new RemoteKeySet(new URL(`${issuer}/id/keys`), this.fetchKeySet);
    this.sets.set(issuer, set);
    if (this.sets.size > MAX_CACHED_KEY_SETS) this.sets.delete(this.sets.keys().next().value as string);
    return set;
  }
}

import { webcrypto } from 'node:crypto';
import type { JSONWebKeySet, JWTPayload, createLocalJWKSet } from 'jose';
import { IdTokenError, SalesforceResponseError, type IdTokenCheck } from './errors.js';

type Jose = typeof import('jose');
type KeyResolver = ReturnType<typeof createLocalJWKSet>;

let jose: Promise<Jose> | undefined;

/**
 * jose, imported on first use. It is ESM-only: a static import would make `require()` of this
 * package fail on Node without require(esm) (18, and 20 before 20.19), while `import()` works from
 * CommonJS everywhere. jose calls the WebCrypto global, which Node 19 and later define: on Node 18
 * it is defined here as Node's own `webcrypto`, once, before jose's first use.
 */
function loadJose(): Promise<Jose> {
  if (globalThis.crypto === undefined) {
    Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true, enumerable: true, writable: true });
  }
  jose ??= import('jose');
  return jose;
}

/** What an id_token must match. */
export interface IdTokenExpectations {
  /** The login base used for this login, e.g. `https://acme.my.salesforce.com`. */
  issuer: string;
  /** The Connected App's consumer key. */
  audience: string;
  /** The nonce sent with the authorization request; absent for refreshed tokens. */
  nonce?: string;
}

/**
 * The verified claims of a Salesforce id_token. (Declared here rather than extending jose's
 * `JWTPayload`, so the package's types need nothing from jose.)
 */
export interface SalesforceIdTokenClaims {
  iss: string;
  /** The identity URL. */
  sub: string;
  /** The Connected App's consumer key. */
  aud: string | string[];
  exp: number;
  iat: number;
  nbf?: number;
  jti?: string;
  nonce?: string;
  at_hash?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
  email?: string;
  email_verified?: boolean;
  /** Other claims Salesforce sends (`address`, `phone_number`, `updated_at`, custom attributes…). */
  [claim: string]: unknown;
}

/** Reads a JSON Web Key Set; the strategy passes its HTTP client, bounded by `requestTimeout`. */
export type KeySetFetcher = (url: URL) => Promise<Record<string, unknown>>;

/** Salesforce's allowance for clocks that disagree, in seconds. */
const CLOCK_TOLERANCE = 30;
/** Login hosts whose keys are kept; beyond it the least recently fetched are dropped. */
const MAX_CACHED_KEY_SETS = 100;

function checkFailed({ errors }: Jose, error: unknown): IdTokenCheck {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'nbf' || error.claim === 'iat') return 'not-yet-valid';
    return 'malformed';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'key';
  return 'malformed';
}

/**
 * Verifies Salesforce id_tokens: RS256 against the login host's `/id/keys`, issuer, audience,
 * expiry with a small clock skew, and nonce. Keys are cached per login host and fetched again
 * once when a token names a kid the cache does not know (Salesforce rotates its keys).
 */
export class IdTokenVerifier {
  private readonly keySets = new Map<string, Promise<KeyResolver>>();

  constructor(private readonly fetchKeySet: KeySetFetcher) {}

  async verify(idToken: string, expected: IdTokenExpectations): Promise<SalesforceIdTokenClaims> {
    const lib = await loadJose();
    const keysURL = new URL(`${expected.issuer}/id/keys`);
    try {
      return await this.check(lib, idToken, await this.keys(lib, keysURL, false), expected);
    } catch (error) {
      if (!(error instanceof lib.errors.JWKSNoMatchingKey)) throw error;
    }
    try {
      return await this.check(lib, idToken, await this.keys(lib, keysURL, true), expected);
    } catch (error) {
      throw error instanceof lib.errors.JWKSNoMatchingKey ? new IdTokenError('key', { cause: error }) : error;
    }
  }

  private async check(lib: Jose, idToken: string, keys: KeyResolver, expected: IdTokenExpectations): Promise<SalesforceIdTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await lib.jwtVerify(idToken, keys, {
        issuer: expected.issuer,
        audience: expected.audience,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof lib.errors.JWKSNoMatchingKey) throw error;
      throw new IdTokenError(checkFailed(lib, error), { cause: error });
    }
    // OpenID Connect Core §2: `sub` is a string; jose only checks that it is present.
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new IdTokenError('malformed');
    if (expected.nonce !== undefined && payload.nonce !== expected.nonce) throw new IdTokenError('nonce');
    return payload as SalesforceIdTokenClaims;
  }

  /** The cached key set of a login host, or a fresh one; concurrent logins share one fetch. */
  private keys(lib: Jose, url: URL, refresh: boolean): Promise<KeyResolver> {
    const cached = this.keySets.get(url.href);
    if (cached && !refresh) return cached;
    const fetched = this.fetchKeySet(url).then((json) => {
      try {
        return lib.createLocalJWKSet(json as unknown as JSONWebKeySet);
      } catch (error) {
        throw new SalesforceResponseError('keys', 200, 'not a JSON Web Key Set', { cause: error });
      }
    });
    this.keySets.delete(url.href);
    this.keySets.set(url.href, fetched);
    if (this.keySets.size > MAX_CACHED_KEY_SETS) this.keySets.delete(this.keySets.keys().next().value as string);
    // A failed fetch is not cached: the next login tries again.
    fetched.catch(() => {
      if (this.keySets.get(url.href) === fetched) this.keySets.delete(url.href);
    });
    return fetched;
  }
}

import { webcrypto } from 'node:crypto';
import type { JWTPayload, createRemoteJWKSet } from 'jose';
import { IdTokenError, SalesforceResponseError, type IdTokenCheck } from './errors.js';
import { identityIds } from './profile.js';
import type { SalesforceIdTokenClaims } from './types.js';

/**
 * Verifying Salesforce's OpenID Connect id_token: signature against the login host's keys,
 * issuer, audience, times, nonce and subject.
 */

type Jose = typeof import('jose');

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
  /** The token response's `id`: `sub` must name the same org and user. Absent: not compared. */
  identityUrl?: string;
}

/** Reads a JSON Web Key Set; the strategy passes its HTTP client, bounded by `requestTimeout`. */
export type KeySetFetcher = (url: URL) => Promise<Record<string, unknown>>;

/** Salesforce's allowance for clocks that disagree, in seconds. */
const CLOCK_TOLERANCE = 30;
/**
 * The oldest `iat` accepted, in seconds. Salesforce mints the id_token for the token response, at
 * the latest when the code (valid 15 minutes) is redeemed; an older one is a replay.
 */
const MAX_TOKEN_AGE = 15 * 60;
/** Login hosts whose keys are kept; beyond it the least recently used are dropped. */
const MAX_CACHED_KEY_SETS = 100;
/**
 * jose's remote key set: keys are fetched again when 10 minutes old (a withdrawn key stops
 * verifying), and at most once per 30 s for a `kid` they do not have (Salesforce rotates keys,
 * and tokens naming made-up kids must not turn every login into a fetch).
 */
const KEY_CACHE_MAX_AGE_MS = 10 * 60_000;
const KEY_REFETCH_COOLDOWN_MS = 30_000;
/**
 * `typ` values of an id_token (RFC 7519 §5.1; Salesforce sends `JWT`). Other explicit types
 * (`at+jwt`, `logout+jwt`, …) are different tokens signed with the same keys (RFC 8725 §3.11).
 */
const ID_TOKEN_TYPES: ReadonlySet<string> = new Set(['jwt', 'application/jwt']);

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/** Carries the key fetcher's own error through jose, which would otherwise be taken for a bad token. */
class KeyFetchFailure extends Error {
  constructor(readonly failure: unknown) {
    super('The key set could not be fetched');
  }
}

function checkFailed({ errors }: Jose, error: unknown): IdTokenCheck {
  if (error instanceof errors.JWTExpired) return error.claim === 'iat' ? 'too-old' : 'expired';
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

/** The claim checks jose leaves to the client: sub, typ, azp, nonce and the binding to the user. */
function checkClaims(payload: JWTPayload, type: unknown, expected: IdTokenExpectations): void {
  // OpenID Connect Core §2: `sub` is a string; jose only checks that it is present.
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new IdTokenError('malformed');
  if (type !== undefined && (typeof type !== 'string' || !ID_TOKEN_TYPES.has(type.toLowerCase()))) throw new IdTokenError('type');
  // OpenID Connect Core §3.1.3.7 (3)-(5): with several audiences azp must be this client, and so must any azp.
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== expected.audience) throw new IdTokenError('authorized-party');
  if (expected.nonce !== undefined && payload.nonce !== expected.nonce) throw new IdTokenError('nonce');
  if (expected.identityUrl !== undefined) {
    // The same org and user, not the same string: Salesforce may name the identity on
    // login.salesforce.com in one place and on the My Domain in the other.
    const subject = identityIds(payload.sub);
    const identity = identityIds(expected.identityUrl);
    if (!subject || !identity || subject.organizationId !== identity.organizationId || subject.userId !== identity.userId) {
      throw new IdTokenError('subject');
    }
  }
}

/**
 * Verifies Salesforce id_tokens: RS256 against the login host's `/id/keys`, issuer, audience and
 * authorized party, expiry and issue time with a small clock skew, type, nonce, and that `sub`
 * is the user of the token response. Keys come from one jose remote key set per login host,
 * fetched through the strategy's HTTP client.
 */
export class IdTokenVerifier {
  private readonly keySets = new Map<string, RemoteKeySet>();

  constructor(
    private readonly fetchKeySet: KeySetFetcher,
    private readonly timeout = 10_000,
  ) {}

  async verify(idToken: string, expected: IdTokenExpectations): Promise<SalesforceIdTokenClaims> {
    const lib = await loadJose();
    let payload: JWTPayload;
    let type: unknown;
    try {
      ({
        payload,
        protectedHeader: { typ: type },
      } = await lib.jwtVerify(idToken, this.keys(lib, new URL(`${expected.issuer}/id/keys`)), {
        issuer: expected.issuer,
        audience: expected.audience,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE,
        maxTokenAge: MAX_TOKEN_AGE,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      }));
    } catch (error) {
      // The key fetch's own errors (timeout, network, Salesforce's answer) say more than a check name.
      if (error instanceof KeyFetchFailure) throw error.failure;
      if (error instanceof lib.errors.JWKSInvalid)
        throw new SalesforceResponseError('keys', 200, 'not a JSON Web Key Set', { cause: error });
      throw new IdTokenError(checkFailed(lib, error), { cause: error });
    }
    checkClaims(payload, type, expected);
    return payload as SalesforceIdTokenClaims;
  }

  /** The key set of a login host; the most recently used hosts are kept. */
  private keys(lib: Jose, url: URL): RemoteKeySet {
    let keySet = this.keySets.get(url.href);
    if (keySet) {
      this.keySets.delete(url.href);
    } else {
      keySet = lib.createRemoteJWKSet(url, {
        cacheMaxAge: KEY_CACHE_MAX_AGE_MS,
        cooldownDuration: KEY_REFETCH_COOLDOWN_MS,
        timeoutDuration: this.timeout,
        // jose's fetch would bypass the strategy's agents, timeouts and typed errors.
        [lib.customFetch]: async (href: string) => {
          try {
            const keySet = await this.fetchKeySet(new URL(href));
            return new Response(JSON.stringify(keySet), { headers: { 'content-type': 'application/json' } });
          } catch (failure) {
            throw new KeyFetchFailure(failure);
          }
        },
      });
    }
    this.keySets.set(url.href, keySet);
    if (this.keySets.size > MAX_CACHED_KEY_SETS) this.keySets.delete(this.keySets.keys().next().value as string);
    return keySet;
  }
}

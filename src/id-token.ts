import type { KeyObject } from 'node:crypto';
import jwt, { type VerifyOptions } from 'jsonwebtoken';
import { IdTokenError, type IdTokenCheck } from './errors.js';
import { KeySets, type KeySetFetcher } from './key-sets.js';
import { identityIds } from './profile.js';
import type { SalesforceIdTokenClaims } from './types.js';

/**
 * Verifying Salesforce's OpenID Connect id_token: signature against the login host's keys,
 * issuer, audience, times, nonce and subject.
 */

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

/** Salesforce's allowance for clocks that disagree, in seconds. */
const CLOCK_TOLERANCE = 30;
/**
 * The oldest `iat` accepted, in seconds. Salesforce mints the id_token for the token response, at
 * the latest when the code (valid 15 minutes) is redeemed; an older one is a replay.
 */
const MAX_TOKEN_AGE = 15 * 60;
/**
 * `typ` values of an id_token (RFC 7519 §5.1; Salesforce sends `JWT`). Other explicit types
 * (`at+jwt`, `logout+jwt`, …) are different tokens signed with the same keys (RFC 8725 §3.11).
 */
const ID_TOKEN_TYPES: ReadonlySet<string> = new Set(['jwt', 'application/jwt']);

/**
 * The checks jsonwebtoken makes (`verify` in its README): RS256 only, whatever the header says;
 * the signature; `exp` and `nbf` with the clock tolerance; `aud`; `iss`; `iat` present and not
 * older than `maxAge`.
 */
const VERIFY_OPTIONS: VerifyOptions & { complete: true } = {
  algorithms: ['RS256'],
  clockTolerance: CLOCK_TOLERANCE,
  maxAge: MAX_TOKEN_AGE,
  complete: true,
};

/** The check a jsonwebtoken error names (its documented error classes and messages). */
function checkFailed(error: unknown): IdTokenCheck {
  if (error instanceof jwt.TokenExpiredError) return error.message === 'maxAge exceeded' ? 'too-old' : 'expired';
  if (error instanceof jwt.NotBeforeError) return 'not-yet-valid';
  if (error instanceof jwt.JsonWebTokenError) {
    if (error.message === 'invalid signature') return 'signature';
    if (error.message.startsWith('jwt issuer invalid')) return 'issuer';
    if (error.message.startsWith('jwt audience invalid')) return 'audience';
  }
  return 'malformed';
}

/**
 * What the header must say before any key is looked up: RS256, no `crit` extension (none is
 * understood here, RFC 7515 §4.1.11), and the type of an id_token. Keys come only from the login
 * host's `/id/keys`: `jwk`, `jku`, `x5u` and `x5c` in the header are never used.
 */
function checkHeader(header: unknown): void {
  if (typeof header !== 'object' || header === null) throw new IdTokenError('malformed');
  const { alg, crit, typ } = header as Record<string, unknown>;
  if (alg !== 'RS256' || crit !== undefined) throw new IdTokenError('malformed');
  if (typ !== undefined && (typeof typ !== 'string' || !ID_TOKEN_TYPES.has(typ.toLowerCase()))) throw new IdTokenError('type');
}

/**
 * The claim checks jsonwebtoken leaves to the client: the claims Salesforce always sends, `iat`
 * not in the future, azp, nonce and the binding of `sub` to the user.
 */
function checkClaims(payload: unknown, expected: IdTokenExpectations): SalesforceIdTokenClaims {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new IdTokenError('malformed');
  const claims = payload as Record<string, unknown>;
  // OpenID Connect Core §2: `sub` is a string; `exp` and `iat` are numbers.
  if (typeof claims.sub !== 'string' || claims.sub === '' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
    throw new IdTokenError('malformed');
  }
  if (claims.iat > Date.now() / 1000 + CLOCK_TOLERANCE) throw new IdTokenError('not-yet-valid');
  // OpenID Connect Core §3.1.3.7 (3)-(5): with several audiences azp must be this client, and so must any azp.
  const audiences: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== expected.audience) throw new IdTokenError('authorized-party');
  if (expected.nonce !== undefined && claims.nonce !== expected.nonce) throw new IdTokenError('nonce');
  if (expected.identityUrl !== undefined) {
    // The same org and user, not the same string: Salesforce may name the identity on
    // login.salesforce.com in one place and on the My Domain in the other.
    const subject = identityIds(claims.sub);
    const identity = identityIds(expected.identityUrl);
    if (!subject || !identity || subject.organizationId !== identity.organizationId || subject.userId !== identity.userId) {
      throw new IdTokenError('subject');
    }
  }
  return claims as SalesforceIdTokenClaims;
}

/**
 * Verifies Salesforce id_tokens: RS256 against the login host's `/id/keys`, issuer, audience and
 * authorized party, expiry and issue time with a small clock skew, type, nonce, and that `sub`
 * is the user of the token response. The signature and the registered claims are checked by
 * jsonwebtoken, through node:crypto; the keys of each login host are fetched through the
 * strategy's HTTP client and cached (see key-sets.ts).
 */
export class IdTokenVerifier {
  private readonly keySets: KeySets;

  constructor(fetchKeySet: KeySetFetcher) {
    this.keySets = new KeySets(fetchKeySet);
  }

  /**
   * Fetches the keys of the login base `issuer` unless they are cached and fresh, when an
   * id_token is expected or one came from `issuer` before; rejects with the fetch's error (a
   * SalesforceError on the `keys` endpoint).
   */
  prefetchKeys(issuer: string, expectIdToken: boolean): Promise<void> {
    return this.keySets.prefetch(issuer, expectIdToken);
  }

  async verify(idToken: string, expected: IdTokenExpectations): Promise<SalesforceIdTokenClaims> {
    // Why the key could not be had (a failed check, or the fetch's own typed error), kept as it
    // is: jsonwebtoken would wrap it in a message.
    let keyFailure: { error: unknown } | undefined;
    const payload = await new Promise<unknown>((resolve, reject) => {
      jwt.verify(
        idToken,
        (header, callback) => {
          new Promise<KeyObject>((resolveKey) => {
            checkHeader(header);
            resolveKey(this.keySets.key(expected.issuer, header.kid));
          }).then(
            (key) => callback(null, key),
            (error: unknown) => {
              keyFailure = { error };
              callback(error instanceof Error ? error : new Error(String(error)));
            },
          );
        },
        { ...VERIFY_OPTIONS, issuer: expected.issuer, audience: expected.audience },
        (error, decoded) => {
          if (keyFailure) reject(keyFailure.error);
          else if (error) reject(new IdTokenError(checkFailed(error), { cause: error }));
          else resolve(decoded?.payload);
        },
      );
    });
    return checkClaims(payload, expected);
  }
}

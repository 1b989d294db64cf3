/**
 * id_tokens for the token endpoint (salesforce-behaviour.md §7.3): RS256 JWTs signed with the emulator's
 * current key, with Salesforce's claims, plus the test hook that spoils them on purpose.
 */
import { createHash, sign } from 'node:crypto';
import { CLAIM_SCOPES, claimsByScope, updatedAtSeconds, type Claims } from './claims.js';
import type { SigningKeyring } from './keys.js';
import type { IdTokenTweak, ResolvedUser } from './types.js';

/** `at_hash` (OIDC Core §3.1.3.6): the left half of the SHA-256 of the access token's ASCII bytes, base64url. */
function accessTokenHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Whether a grant's scope earns an id_token. */
export function grantsIdToken(scope: string): boolean {
  return scope.split(' ').includes('openid');
}

export interface IdTokenSubject {
  /** The base the user logged in through: the emulator's URL plus any site prefix. */
  issuer: string;
  /** The identity URL, as in the token response's `id`. */
  identityUrl: string;
  clientId: string;
  /** The access token issued alongside, for `at_hash`. */
  accessToken: string;
  /** The authorize request's `nonce`; absent on refresh. */
  nonce: string | undefined;
  /** The grant's space-separated scopes, which decide the profile claims. */
  scope: string;
  /** `undefined` if the user has since been replaced: the token then carries no profile claims. */
  user: ResolvedUser | undefined;
  instanceUrl: string;
}

/** The claims of an honest id_token issued at `nowSeconds`. */
function idTokenClaims(subject: IdTokenSubject, lifetimeSeconds: number, nowSeconds: number): Claims {
  const claims: Claims = {
    iss: subject.issuer,
    sub: subject.identityUrl,
    aud: subject.clientId,
    iat: nowSeconds,
    exp: nowSeconds + lifetimeSeconds,
    at_hash: accessTokenHash(subject.accessToken),
  };
  if (subject.nonce !== undefined) claims['nonce'] = subject.nonce;
  if (subject.user !== undefined) {
    const scopes = subject.scope.split(' ');
    const groups = claimsByScope({ user: subject.user, instanceUrl: subject.instanceUrl, updatedAt: updatedAtSeconds(subject.user) });
    for (const scope of CLAIM_SCOPES) {
      if (!scopes.includes(scope)) continue;
      // OIDC Core §5.3.2: a claim without a value is left out rather than sent as null.
      for (const [name, value] of Object.entries(groups[scope])) if (value !== null) claims[name] = value;
    }
  }
  return claims;
}

/** Checks a tweak when it is set, so a mistake fails in the test that makes it, not in a token request. */
export function validateIdTokenTweak(tweak: IdTokenTweak): void {
  if (typeof tweak !== 'object' || tweak === null) throw new TypeError('IdTokenTweak must be an object');
  if (tweak.signature !== undefined && tweak.signature !== 'corrupt' && tweak.signature !== 'unpublished-key') {
    throw new TypeError(`unknown IdTokenTweak.signature: ${String(tweak.signature)}`);
  }
  if (tweak.claims !== undefined) {
    if (typeof tweak.claims !== 'object' || tweak.claims === null) throw new TypeError('IdTokenTweak.claims must be an object');
    for (const [name, value] of Object.entries(tweak.claims)) {
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TypeError(`IdTokenTweak.claims.${name} must be a string, number, boolean or null`);
      }
    }
  }
}

function applyClaimOverrides(claims: Claims, overrides: IdTokenTweak['claims']): Claims {
  const merged: Claims = { ...claims, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([name]) => overrides?.[name] !== null));
}

/** Inverts every byte of a compact JWS's signature, keeping its length, so only the signature check can catch it. */
function corruptSignature(jws: string): string {
  const [header, payload, signature] = jws.split('.');
  const flipped = Buffer.from(signature ?? '', 'base64url').map((byte) => byte ^ 0xff);
  return `${header ?? ''}.${payload ?? ''}.${Buffer.from(flipped).toString('base64url')}`;
}

/** Signs id_tokens with the keyring's current key, honouring the tweak set for tests. */
export class IdTokenIssuer {
  /** Applied to every id_token issued while set. */
  tweak: IdTokenTweak | undefined;

  constructor(
    readonly keys: SigningKeyring,
    readonly lifetimeSeconds: number,
  ) {}

  async issue(subject: IdTokenSubject): Promise<string> {
    // Read once, before any await, so a tweak changed meanwhile never half-applies.
    const tweak = this.tweak;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const claims = applyClaimOverrides(idTokenClaims(subject, this.lifetimeSeconds, nowSeconds), tweak?.claims);
    const key = tweak?.signature === 'unpublished-key' ? await this.keys.unpublishedKey() : this.keys.signingKey();
    // Signed by hand (RFC 7515 §7.1), so the claims go out exactly as given and a tweak can set
    // claims a JWT library would refuse or retype.
    const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signingInput = `${part({ alg: 'RS256', kid: key.kid, typ: 'JWT' })}.${part(claims)}`;
    const jws = `${signingInput}.${sign('sha256', Buffer.from(signingInput), key.pair.privateKey).toString('base64url')}`;
    return tweak?.signature === 'corrupt' ? corruptSignature(jws) : jws;
  }
}

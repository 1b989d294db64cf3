import { createHash } from 'node:crypto';
import { randomToken } from './random.js';

/**
 * PKCE (RFC 7636): a code verifier and its S256 code challenge.
 */

/** A PKCE code verifier with its S256 code challenge (RFC 7636). */
export interface PkcePair {
  /** 43 characters of base64url from 32 random bytes: the secret sent to the token endpoint. */
  codeVerifier: string;
  /** BASE64URL(SHA-256(codeVerifier)), sent to the authorization endpoint. */
  codeChallenge: string;
  /** Always `'S256'`: `plain` offers no protection when the authorization request leaks. */
  codeChallengeMethod: 'S256';
}

/** The S256 code challenge of a verifier: BASE64URL-ENCODE(SHA256(ASCII(verifier))), unpadded. */
export function computeCodeChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/**
 * Creates a fresh verifier from 32 bytes of the CSPRNG (through a pooled buffer; 256 bits of
 * entropy, the amount RFC 7636 §7.1 recommends) and its S256 challenge. The strategy makes one
 * per login itself; this is for code that builds its own authorization request (a test, a script).
 *
 * @example
 * const { codeVerifier, codeChallenge, codeChallengeMethod } = createPkcePair();
 * const authorize = new URL('https://login.salesforce.com/services/oauth2/authorize');
 * authorize.search = new URLSearchParams({
 *   response_type: 'code',
 *   client_id: clientID,
 *   redirect_uri: callbackURL,
 *   code_challenge: codeChallenge,
 *   code_challenge_method: codeChallengeMethod,
 * }).toString();
 * // Later, the token request sends code_verifier: codeVerifier with the code.
 */
export function createPkcePair(): PkcePair {
  const codeVerifier = randomToken(32);
  return { codeVerifier, codeChallenge: computeCodeChallenge(codeVerifier), codeChallengeMethod: 'S256' };
}

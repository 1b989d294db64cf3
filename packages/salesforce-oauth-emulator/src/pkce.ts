import { createHash, randomBytes } from 'node:crypto';

/**
 * The emulator's own PKCE arithmetic (RFC 7636 §4), written apart from any client's so that a
 * client bug cannot hide behind the same bug here.
 */

/** BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), unpadded: the S256 code challenge. */
export function s256Challenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** A fresh verifier (43 characters from 32 random bytes) and its S256 challenge, for the CLI. */
export function newVerifierAndChallenge(): { codeVerifier: string; codeChallenge: string } {
  const codeVerifier = randomBytes(32).toString('base64url');
  return { codeVerifier, codeChallenge: s256Challenge(codeVerifier) };
}

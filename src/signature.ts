import { createHmac, timingSafeEqual } from 'node:crypto';

/** The token response fields the signature covers. */
export interface SignedTokenFields {
  /** The identity URL, a string. */
  id?: unknown;
  /** When the token was issued, in ms since the epoch, as a string. */
  issued_at?: unknown;
  /** Salesforce's base64 signature. */
  signature?: unknown;
}

/**
 * Checks Salesforce's token response `signature`: base64(HMAC-SHA256(clientSecret, id + issued_at)).
 * It proves the identity URL came from Salesforce unaltered. Compared in constant time; any
 * missing or non-string field is a mismatch. The strategy checks every token response itself
 * when `verifyTokenSignature` is on; this is for token responses your own code receives.
 *
 * @param params The token response, or at least its `id`, `issued_at` and `signature`.
 * @param clientSecret The Connected App's consumer secret.
 * @returns `true` when the signature matches.
 * @example
 * const tokens = await response.json(); // a token response from /services/oauth2/token
 * if (!verifyTokenSignature(tokens, process.env.SF_CLIENT_SECRET!)) {
 *   throw new Error('The token response was altered');
 * }
 */
export function verifyTokenSignature(params: SignedTokenFields, clientSecret: string): boolean {
  const { id, issued_at: issuedAt, signature } = (typeof params === 'object' && params !== null ? params : {}) as SignedTokenFields;
  if (typeof id !== 'string' || typeof issuedAt !== 'string' || typeof signature !== 'string' || clientSecret === '') {
    return false;
  }
  const expected = createHmac('sha256', clientSecret)
    .update(id + issuedAt)
    .digest();
  const received = Buffer.from(signature, 'base64');
  // Buffer.from(…, 'base64') skips invalid characters, so re-encode to reject non-canonical input.
  if (received.toString('base64') !== signature || received.length !== expected.length) {
    return false;
  }
  return timingSafeEqual(received, expected);
}

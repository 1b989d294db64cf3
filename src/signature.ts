import { createHmac, timingSafeEqual } from 'node:crypto';

/** The token response fields the signature covers. */
export interface SignedTokenFields {
  id?: unknown;
  issued_at?: unknown;
  signature?: unknown;
}

/**
 * Checks Salesforce's token response `signature`: base64(HMAC-SHA256(clientSecret, id + issued_at)).
 * It proves the identity URL came from Salesforce unaltered. Compared in constant time; any
 * missing or non-string field is a mismatch.
 */
export function verifyTokenSignature(params: SignedTokenFields, clientSecret: string): boolean {
  const { id, issued_at: issuedAt, signature } = (typeof params === 'object' && params !== null ? params : {}) as SignedTokenFields;
  if (typeof id !== 'string' || typeof issuedAt !== 'string' || typeof signature !== 'string' || clientSecret === '') {
    return false;
  }
  const expected = createHmac('sha256', clientSecret).update(id + issuedAt).digest();
  const received = Buffer.from(signature, 'base64');
  // Buffer.from(…, 'base64') skips invalid characters, so re-encode to reject non-canonical input.
  if (received.toString('base64') !== signature || received.length !== expected.length) {
    return false;
  }
  return timingSafeEqual(received, expected);
}

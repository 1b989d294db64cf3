import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyTokenSignature } from '../src/token-response.js';

const secret = 'B0A7C3F0F6E8F8B2D1';
const id = 'https://login.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1';
const issuedAt = '1717400000000';
// Computed independently of the module: base64(HMAC-SHA256(secret, id + issued_at)).
const signature = createHmac('sha256', secret)
  .update(id + issuedAt)
  .digest('base64');

describe('verifyTokenSignature', () => {
  it('accepts the HMAC-SHA256 of id + issued_at keyed with the client secret', () => {
    expect(verifyTokenSignature({ id, issued_at: issuedAt, signature }, secret)).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyTokenSignature({ id, issued_at: issuedAt, signature }, `${secret}x`)).toBe(false);
  });

  it('rejects an altered identity URL or issue time', () => {
    expect(verifyTokenSignature({ id: id.replace('login', 'evil'), issued_at: issuedAt, signature }, secret)).toBe(false);
    expect(verifyTokenSignature({ id, issued_at: '1717400000001', signature }, secret)).toBe(false);
  });

  it('rejects missing, non-string, truncated and non-canonical signatures without throwing', () => {
    expect(verifyTokenSignature({ id, issued_at: issuedAt }, secret)).toBe(false);
    expect(verifyTokenSignature({ id, issued_at: Number(issuedAt), signature }, secret)).toBe(false);
    expect(verifyTokenSignature({ id, issued_at: issuedAt, signature: signature.slice(0, 20) }, secret)).toBe(false);
    expect(verifyTokenSignature({ id, issued_at: issuedAt, signature: `${signature}!!` }, secret)).toBe(false);
    expect(verifyTokenSignature({ id, issued_at: issuedAt, signature: signature.replace(/=+$/, '') }, secret)).toBe(false);
  });

  it('rejects everything when the secret is empty', () => {
    const unkeyed = createHmac('sha256', '')
      .update(id + issuedAt)
      .digest('base64');
    expect(verifyTokenSignature({ id, issued_at: issuedAt, signature: unkeyed }, '')).toBe(false);
  });
});

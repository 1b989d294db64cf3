import { describe, expect, it } from 'vitest';
import { computeCodeChallenge, createPkcePair } from '../src/pkce.js';

describe('pkce', () => {
  it('computes the RFC 7636 Appendix B challenge', () => {
    expect(computeCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('creates a 43-character unreserved verifier with its S256 challenge', () => {
    const pair = createPkcePair();
    expect(pair.codeVerifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
    expect(pair.codeChallenge).toBe(computeCodeChallenge(pair.codeVerifier));
    expect(pair.codeChallengeMethod).toBe('S256');
  });

  it('never repeats a verifier', () => {
    const verifiers = new Set(Array.from({ length: 1000 }, () => createPkcePair().codeVerifier));
    expect(verifiers.size).toBe(1000);
  });
});

import { describe, expect, it } from 'vitest';
import { randomToken } from '../src/random.js';

describe('randomToken', () => {
  it('encodes the requested number of bytes as unpadded base64url', () => {
    expect(randomToken(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(randomToken(48), 'base64url')).toHaveLength(48);
  });

  it('never hands out the same bytes twice, across many pool refills', () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 5000; i += 1) tokens.add(randomToken(i % 2 === 0 ? 32 : 16));
    expect(tokens.size).toBe(5000);
  });

  it('serves sizes larger than its pool share straight from the CSPRNG', () => {
    expect(Buffer.from(randomToken(2048), 'base64url')).toHaveLength(2048);
  });
});

import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Unguessable tokens for the verifier, the state handle and the nonce. Each `crypto.randomBytes`
 * call has a fixed cost of about 2.5 µs on Node 20 (the CSPRNG is entered once per call): two
 * calls were half of a login start's own work. So bytes come from a 4 KiB pool filled by
 * the CSPRNG, as Node's own `crypto.randomUUID` does. Each byte is handed out once and zeroed as
 * it leaves the pool.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** `bytes` random bytes from the CSPRNG, base64url-encoded without padding. */
export function randomToken(bytes: number): string {
  if (bytes > POOL_SIZE / 4) return randomBytes(bytes).toString('base64url');
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return token;
}

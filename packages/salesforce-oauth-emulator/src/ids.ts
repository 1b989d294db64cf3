/**
 * Salesforce-shaped identifiers and opaque secrets, and comparing secrets. Pure except for the
 * random generators, which only read `crypto.randomBytes`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The alphabet Salesforce uses for the 3-character case-safety suffix of an 18-character id. */
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Turns a 15-character (case-sensitive) Salesforce id into its 18-character form: each of the
 * three 5-character chunks contributes one suffix character whose bits mark the upper-case
 * letters in that chunk. Emulated ids therefore pass the checksum tests real clients apply.
 */
export function toEighteenCharacterId(id15: string): string {
  if (!/^[A-Za-z0-9]{15}$/.test(id15)) throw new TypeError(`not a 15-character Salesforce id: ${id15}`);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15.charAt(chunk * 5 + i);
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET.charAt(bits);
  }
  return id15 + suffix;
}

/**
 * A stable 18-character id with the given 3-character key prefix (`005` user, `0DB` site…),
 * derived from `seed` so the same username always gets the same user id across runs.
 */
export function deriveSalesforceId(keyPrefix: string, seed: string): string {
  const digest = createHash('sha256').update(seed, 'utf8').digest();
  let body = '';
  for (let i = 0; body.length < 15 - keyPrefix.length; i++) {
    body += ALPHANUMERIC.charAt((digest[i] ?? 0) % ALPHANUMERIC.length);
  }
  return toEighteenCharacterId(keyPrefix + body);
}

/**
 * A new authorization code. Real codes look like `aPrx…==` and carry `+` and `/`, so a client
 * that forgets to URL-decode the callback's `code` sends a different string and fails; the
 * emulator guarantees all three characters so that mistake is caught every time, not 1 run in 4.
 */
export function newAuthorizationCode(): string {
  for (;;) {
    // 64 bytes: 64 % 3 === 1, so standard base64 always ends in `==`.
    const code = `aPrx${randomBytes(64).toString('base64')}`;
    if (code.includes('+') && code.includes('/')) return code;
  }
}

/** Base64 of random bytes with `+`/`/` swapped for `.`/`_`: the character set seen in real tokens. */
function opaqueTokenBody(bytes: number): string {
  return randomBytes(bytes).toString('base64').replace(/=+$/, '').replace(/\+/g, '.').replace(/\//g, '_');
}

/** An access token shaped like Salesforce's session ids: `<15-char org id>!AQ…`. */
export function newAccessToken(orgId: string): string {
  return `${orgId.slice(0, 15)}!AQ0AQ${opaqueTokenBody(72)}`;
}

/** A refresh token shaped like Salesforce's (`5Aep861…`). */
export function newRefreshToken(): string {
  return `5Aep861${opaqueTokenBody(63)}`;
}

/** An opaque internal handle, e.g. for grouping the tokens of one grant. */
export function newHandle(): string {
  return randomBytes(12).toString('hex');
}

/** Compares secrets in constant time; hashing first hides the expected secret's length too. */
export function secretsMatch(expected: string, given: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

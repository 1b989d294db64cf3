import { KeyObject, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IdTokenError, SalesforceResponseError } from '../src/errors.js';
import { IdTokenVerifier, type IdTokenExpectations } from '../src/id-token.js';

const issuer = 'https://acme.my.salesforce.com';
const audience = '3MVG9consumer.key';
const nonce = 'n0nce-value';

interface Key {
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

async function key(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

let current: Key;
let rotated: Key;

beforeAll(async () => {
  [current, rotated] = await Promise.all([key('188'), key('190')]);
});

function idToken(signer: Key, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ nonce, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: signer.jwk.kid, ...header })
    .setIssuer(String(claims.iss ?? issuer))
    .setSubject(String(claims.sub ?? 'https://login.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1'))
    .setAudience(String(claims.aud ?? audience))
    .setIssuedAt(Number(claims.iat ?? now))
    .setExpirationTime(Number(claims.exp ?? now + 300))
    .sign(signer.privateKey);
}

/** A key-set source that serves `sets` in turn and records each fetch. */
function keySource(...sets: Array<Record<string, unknown> | Error>): {
  fetches: string[];
  fetch: (url: URL) => Promise<Record<string, unknown>>;
} {
  const fetches: string[] = [];
  return {
    fetches,
    fetch: async (url) => {
      fetches.push(url.href);
      const next = sets[Math.min(fetches.length - 1, sets.length - 1)];
      if (next instanceof Error) throw next;
      return next ?? { keys: [] };
    },
  };
}

const identityUrl = 'https://login.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1';

async function failedCheck(
  verifier: IdTokenVerifier,
  token: string,
  expectations: IdTokenExpectations = { issuer, audience, nonce },
): Promise<string | undefined> {
  return verifier.verify(token, expectations).then(
    () => undefined,
    (error: unknown) => (error instanceof IdTokenError ? error.check : `not an IdTokenError: ${String(error)}`),
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('IdTokenVerifier', () => {
  it("accepts a valid token, returns its claims and caches the host's keys", async () => {
    const source = keySource({ keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    const claims = await verifier.verify(await idToken(current, { email: 'ada@example.com' }), { issuer, audience, nonce });
    expect(claims).toMatchObject({ iss: issuer, aud: audience, nonce, email: 'ada@example.com' });
    await verifier.verify(await idToken(current), { issuer, audience, nonce });
    expect(source.fetches).toEqual([`${issuer}/id/keys`]);
  });

  it.each([
    ['issuer', { iss: 'https://login.salesforce.com' }],
    ['audience', { aud: 'someone-else' }],
    ['expired', { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }],
    ['nonce', { nonce: 'another-login' }],
  ])('names the failed check: %s', async (check, claims) => {
    const verifier = new IdTokenVerifier(keySource({ keys: [current.jwk] }).fetch);
    expect(await failedCheck(verifier, await idToken(current, claims))).toBe(check);
  });

  it('refuses an iat more than 30 s ahead, and one more than 15 minutes old', async () => {
    const verifier = new IdTokenVerifier(keySource({ keys: [current.jwk] }).fetch);
    const now = Math.floor(Date.now() / 1000);
    await expect(verifier.verify(await idToken(current, { iat: now + 20 }), { issuer, audience, nonce })).resolves.toBeDefined();
    await expect(verifier.verify(await idToken(current, { iat: now - 14 * 60 }), { issuer, audience, nonce })).resolves.toBeDefined();
    expect(await failedCheck(verifier, await idToken(current, { iat: now + 45 }))).toBe('not-yet-valid');
    expect(await failedCheck(verifier, await idToken(current, { iat: now + 86_400, exp: now + 90_000 }))).toBe('not-yet-valid');
    expect(await failedCheck(verifier, await idToken(current, { iat: now + 10 * 365 * 86_400, exp: now + 10 * 365 * 86_400 + 300 }))).toBe(
      'not-yet-valid',
    );
    expect(await failedCheck(verifier, await idToken(current, { iat: now - 16 * 60 }))).toBe('too-old');
    expect(await failedCheck(verifier, await idToken(current, { iat: now - 365 * 86_400, exp: now + 3600 }))).toBe('too-old');
  });

  it("binds sub to the token response's identity URL: the same org and user", async () => {
    const verifier = new IdTokenVerifier(keySource({ keys: [current.jwk] }).fetch);
    const token = await idToken(current);
    await expect(verifier.verify(token, { issuer, audience, nonce, identityUrl })).resolves.toMatchObject({ sub: identityUrl });
    // Salesforce may name the identity on the My Domain instead of login.salesforce.com.
    await expect(
      verifier.verify(token, {
        issuer,
        audience,
        nonce,
        identityUrl: 'https://acme.my.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1',
      }),
    ).resolves.toBeDefined();
    expect(
      await failedCheck(verifier, token, {
        issuer,
        audience,
        nonce,
        identityUrl: 'https://login.salesforce.com/id/00D5g000004XXXXEAA/0055g00000ZZZZZAA1',
      }),
    ).toBe('subject');
    expect(
      await failedCheck(verifier, token, {
        issuer,
        audience,
        nonce,
        identityUrl: 'https://login.salesforce.com/id/00D5g000004OTHEREAA/0055g00000YYYYYAA1',
      }),
    ).toBe('subject');
    expect(await failedCheck(verifier, token, { issuer, audience, nonce, identityUrl: 'not an identity url' })).toBe('subject');
    expect(await failedCheck(verifier, await idToken(current, { sub: 'someone' }), { issuer, audience, nonce, identityUrl })).toBe(
      'subject',
    );
  });

  it('checks azp when aud names several clients, and whenever azp is present', async () => {
    const verifier = new IdTokenVerifier(keySource({ keys: [current.jwk] }).fetch);
    const now = Math.floor(Date.now() / 1000);
    const several = (claims: Record<string, unknown>): Promise<string> =>
      new SignJWT({ nonce, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: '188' })
        .setIssuer(issuer)
        .setSubject(identityUrl)
        .setAudience([audience, 'another-client'])
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(current.privateKey);
    await expect(verifier.verify(await several({ azp: audience }), { issuer, audience, nonce })).resolves.toMatchObject({ azp: audience });
    expect(await failedCheck(verifier, await several({}))).toBe('authorized-party');
    expect(await failedCheck(verifier, await several({ azp: 'another-client' }))).toBe('authorized-party');
    expect(await failedCheck(verifier, await idToken(current, { azp: 'another-client' }))).toBe('authorized-party');
    await expect(verifier.verify(await idToken(current, { azp: audience }), { issuer, audience, nonce })).resolves.toBeDefined();
  });

  it('accepts typ JWT or none, and refuses a JWT of another type signed with the same keys', async () => {
    const verifier = new IdTokenVerifier(keySource({ keys: [current.jwk] }).fetch);
    await expect(verifier.verify(await idToken(current, {}, { typ: 'JWT' }), { issuer, audience, nonce })).resolves.toBeDefined();
    await expect(verifier.verify(await idToken(current, {}, { typ: 'jwt' }), { issuer, audience, nonce })).resolves.toBeDefined();
    await expect(verifier.verify(await idToken(current), { issuer, audience, nonce })).resolves.toBeDefined();
    for (const typ of ['at+jwt', 'logout+jwt', 'application/at+jwt', 'secevent+jwt']) {
      expect(await failedCheck(verifier, await idToken(current, {}, { typ }))).toBe('type');
    }
  });

  it('tolerates 30 s of clock skew and no more', async () => {
    const verifier = new IdTokenVerifier(keySource({ keys: [current.jwk] }).fetch);
    const now = Math.floor(Date.now() / 1000);
    await expect(verifier.verify(await idToken(current, { exp: now - 20 }), { issuer, audience, nonce })).resolves.toBeDefined();
    expect(await failedCheck(verifier, await idToken(current, { exp: now - 45 }))).toBe('expired');
  });

  it('requires the nonce only when one was sent', async () => {
    const verifier = new IdTokenVerifier(keySource({ keys: [current.jwk] }).fetch);
    const withoutNonce = await idToken(current, { nonce: undefined });
    expect(await failedCheck(verifier, withoutNonce)).toBe('nonce');
    await expect(verifier.verify(withoutNonce, { issuer, audience })).resolves.toBeDefined();
  });

  it('rejects a corrupted signature, a token signed by another key, and a malformed token', async () => {
    const verifier = new IdTokenVerifier(keySource({ keys: [current.jwk] }).fetch);
    const token = await idToken(current);
    const [header, payload, signature] = token.split('.');
    const flipped = `${header}.${payload}.${signature?.startsWith('A') ? 'B' : 'A'}${signature?.slice(1)}`;
    expect(await failedCheck(verifier, flipped)).toBe('signature');
    expect(await failedCheck(verifier, await idToken(rotated, {}, { kid: '188' }))).toBe('signature');
    expect(await failedCheck(verifier, 'not.a.jwt')).toBe('malformed');
    const hs256 = await new SignJWT({ nonce })
      .setProtectedHeader({ alg: 'HS256', kid: '188' })
      .setIssuer(issuer)
      .setSubject('s')
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a shared secret of 32 bytes.....'));
    expect(await failedCheck(verifier, hs256)).toBe('malformed');
  });

  it("trusts no key the token brings: jwk, jku and x5u in the header are not used, only the login host's keys", async () => {
    const source = keySource({ keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    const header = { kid: '188', jwk: rotated.jwk, jku: 'https://evil.example/keys', x5u: 'https://evil.example/cert' };
    expect(await failedCheck(verifier, await idToken(rotated, {}, header))).toBe('signature');
    expect(source.fetches).toEqual([`${issuer}/id/keys`]);
  });

  it('refuses a header with crit extensions, and looks no key up for a token that is not RS256', async () => {
    const source = keySource({ keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    // jose refuses to sign an unknown crit extension: signed here with node:crypto.
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'RS256', kid: '188', crit: ['exp_ext'], exp_ext: 1 })}.${part({ iss: issuer, aud: audience, sub: identityUrl, nonce, iat: now, exp: now + 300 })}`;
    const signature = sign('sha256', Buffer.from(input), KeyObject.from(current.privateKey)).toString('base64url');
    expect(await failedCheck(verifier, `${input}.${signature}`)).toBe('malformed');
    expect(await failedCheck(verifier, 'eyJhbGciOiJub25lIiwia2lkIjoiMTg4In0.e30.')).toBe('malformed');
    expect(source.fetches).toEqual([]);
  });

  it('uses the only RS256 key for a token without kid, and refuses to pick between several', async () => {
    const one = new IdTokenVerifier(
      keySource({
        keys: [
          { ...current.jwk, kid: undefined },
          { ...rotated.jwk, use: 'enc' },
        ],
      }).fetch,
    );
    await expect(one.verify(await idToken(current, {}, { kid: undefined }), { issuer, audience, nonce })).resolves.toBeDefined();
    const several = new IdTokenVerifier(keySource({ keys: [current.jwk, rotated.jwk] }).fetch);
    expect(await failedCheck(several, await idToken(current, {}, { kid: undefined }))).toBe('key');
  });

  it('fetches the keys again once for an unknown kid after the 30 s cooldown, finding a rotated key', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = keySource({ keys: [current.jwk] }, { keys: [current.jwk, rotated.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    await verifier.verify(await idToken(current), { issuer, audience, nonce });
    vi.advanceTimersByTime(31_000);
    await verifier.verify(await idToken(rotated), { issuer, audience, nonce });
    await verifier.verify(await idToken(rotated), { issuer, audience, nonce });
    expect(source.fetches).toHaveLength(2);
  });

  it('fails the key check for a kid the keys just fetched do not have, without fetching again', async () => {
    const source = keySource({ keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    expect(await failedCheck(verifier, await idToken(rotated))).toBe('key');
    expect(source.fetches).toHaveLength(1);
  });

  it('fetches the keys at most once per 30 s for tokens naming unknown kids', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = keySource({ keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    await verifier.verify(await idToken(current), { issuer, audience, nonce });
    vi.advanceTimersByTime(31_000);
    for (let login = 0; login < 30; login += 1) {
      expect(await failedCheck(verifier, await idToken(current, {}, { kid: `unknown-${login}` }))).toBe('key');
      vi.advanceTimersByTime(500);
    }
    expect(source.fetches).toHaveLength(2);
    vi.advanceTimersByTime(16_000);
    expect(await failedCheck(verifier, await idToken(current, {}, { kid: 'unknown-late' }))).toBe('key');
    expect(source.fetches).toHaveLength(3);
  });

  it('stops trusting a withdrawn key once the cached keys are 10 minutes old', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = keySource({ keys: [current.jwk] }, { keys: [rotated.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    await verifier.verify(await idToken(current), { issuer, audience, nonce });
    vi.advanceTimersByTime(9 * 60_000);
    await verifier.verify(await idToken(current), { issuer, audience, nonce });
    expect(source.fetches).toHaveLength(1);
    vi.advanceTimersByTime(60_001);
    expect(await failedCheck(verifier, await idToken(current))).toBe('key');
    expect(source.fetches).toHaveLength(2);
  });

  it('does not cache a failed or unusable key fetch', async () => {
    const source = keySource(new Error('down'), { keys: 'nope' }, { keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    const token = await idToken(current);
    await expect(verifier.verify(token, { issuer, audience, nonce })).rejects.toThrow('down');
    await expect(verifier.verify(token, { issuer, audience, nonce })).rejects.toThrow(SalesforceResponseError);
    await expect(verifier.verify(token, { issuer, audience, nonce })).resolves.toBeDefined();
    expect(source.fetches).toHaveLength(3);
  });

  it('shares one key fetch between concurrent logins', async () => {
    const source = keySource({ keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    const token = await idToken(current);
    await Promise.all(Array.from({ length: 5 }, () => verifier.verify(token, { issuer, audience, nonce })));
    expect(source.fetches).toHaveLength(1);
  });

  it('keeps the keys of the 100 most recently used login hosts, fetching a dropped host again', async () => {
    const source = keySource({ keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    const token = await idToken(current);
    const hosts = Array.from({ length: 101 }, (_, i) => `https://org${i}.my.salesforce.com`);
    // Each host's token names its own issuer; the check fails on it, after the keys were looked up.
    for (const host of hosts) expect(await failedCheck(verifier, token, { issuer: host, audience, nonce })).toBe('issuer');
    expect(source.fetches).toHaveLength(101);
    expect(await failedCheck(verifier, token, { issuer: hosts[100] ?? '', audience, nonce })).toBe('issuer');
    expect(source.fetches).toHaveLength(101);
    expect(await failedCheck(verifier, token, { issuer: hosts[0] ?? '', audience, nonce })).toBe('issuer');
    expect(source.fetches).toHaveLength(102);
    expect(source.fetches.at(-1)).toBe(`${hosts[0]}/id/keys`);
  });

  it('prefetches stale or missing keys when an id_token is expected, or one came from the host before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const source = keySource(new Error('down'), { keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    await verifier.prefetchKeys(issuer, false);
    expect(source.fetches).toEqual([]);
    await expect(verifier.prefetchKeys(issuer, true)).rejects.toThrow('down');
    await verifier.prefetchKeys(issuer, true);
    await verifier.verify(await idToken(current), { issuer, audience, nonce });
    await verifier.prefetchKeys(issuer, false);
    expect(source.fetches).toHaveLength(2);
    vi.advanceTimersByTime(10 * 60_000 + 1);
    await verifier.prefetchKeys(issuer, false);
    expect(source.fetches).toHaveLength(3);
  });

  it('keeps each login host apart', async () => {
    const source = keySource({ keys: [current.jwk] });
    const verifier = new IdTokenVerifier(source.fetch);
    await verifier.verify(await idToken(current), { issuer, audience, nonce });
    const other = 'https://other.my.salesforce.com';
    await verifier.verify(await idToken(current, { iss: other }), { issuer: other, audience, nonce });
    expect(source.fetches).toEqual([`${issuer}/id/keys`, `${other}/id/keys`]);
  });
});

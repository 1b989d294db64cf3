import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdTokenError } from '../src/errors.js';
import { IdTokenVerifier } from '../src/id-token.js';

// The signature is checked with node:crypto rather than WebCrypto; these pin the edges of that
// path to the answers jose's jwtVerify gives.

const issuer = 'https://acme.my.salesforce.com';
const audience = '3MVG9consumer.key';

let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: '188', alg: 'RS256', use: 'sig' };
});

function idToken(claims: { exp?: number } = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: '188', ...header })
    .setIssuer(issuer)
    .setSubject('https://login.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1')
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(claims.exp ?? now + 300)
    .sign(privateKey);
}

function check(token: string): Promise<string> {
  const verifier = new IdTokenVerifier(async () => ({ keys: [jwk] }));
  return verifier.verify(token, { issuer, audience }).then(
    () => 'valid',
    (error: unknown) => (error instanceof IdTokenError ? error.check : `not an IdTokenError: ${String(error)}`),
  );
}

describe('id_token signature check', () => {
  it('accepts a valid token', async () => {
    expect(await check(await idToken())).toBe('valid');
  });

  it('checks the signature before the claims', async () => {
    const expired = await idToken({ exp: Math.floor(Date.now() / 1000) - 3600 });
    expect(await check(expired)).toBe('expired');
    const [header, payload] = expired.split('.');
    const [, , otherSignature] = (await idToken()).split('.');
    expect(await check(`${header}.${payload}.${otherSignature}`)).toBe('signature');
  });

  it('refuses a signature that is not base64url, and an empty one', async () => {
    const [header, payload, signature = ''] = (await idToken()).split('.');
    expect(await check(`${header}.${payload}.${signature.slice(0, -2)}+/`)).toBe('malformed');
    expect(await check(`${header}.${payload}.${signature}==`)).toBe('malformed');
    expect(await check(`${header}.${payload}.`)).toBe('signature');
  });

  it('refuses a payload that is not a JSON object, though signed', async () => {
    const [header] = (await idToken()).split('.');
    expect(await check(`${header}.${Buffer.from('[1,2]').toString('base64url')}.AAAA`)).toBe('signature');
  });

  it('refuses crit and b64 header parameters', async () => {
    expect(await check(await idToken({}, { crit: ['b64'], b64: true }))).toBe('malformed');
  });

  it('refuses a token of more or fewer than three parts', async () => {
    const token = await idToken();
    expect(await check(`${token}.extra`)).toBe('malformed');
    expect(await check(token.split('.').slice(0, 2).join('.'))).toBe('malformed');
  });
});

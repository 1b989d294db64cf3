// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type IdTokenTweak, type RunningEmulator } from '../src/index.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  REDIRECT_URI,
  confidentialApp,
  login,
  obtainCode,
  postToken,
  type Params,
  exchangeCode,
  TOKEN_RESPONSE_FIELDS,
} from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    apps: [confidentialApp()],
    sites: ['/partners'],
    users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', timezone: 'Europe/London', locale: 'en_GB' }],
  });
});

afterEach(async () => {
  await emulator.close();
});

function ada(): NonNullable<RunningEmulator['users'][number]> {
  const user = emulator.users[0];
  if (user === undefined) throw new Error('no seeded user');
  return user;
}

/** Verifies as a client would: signature against `{issuer}/id/keys`, then issuer and audience. */
async function verify(idToken: string | undefined, issuer = emulator.url): Promise<JWTPayload> {
  if (idToken === undefined) throw new Error('no id_token');
  // A fresh key set per call: jose's 30 s refetch cool-down would otherwise hide rotated keys.
  const jwks = createRemoteJWKSet(new URL(`${issuer}/id/keys`));
  const { payload } = await jwtVerify(idToken, jwks, { issuer, audience: CLIENT_ID, algorithms: ['RS256'] });
  return payload;
}

function expectedAtHash(accessToken: string | undefined): string {
  return createHash('sha256')
    .update(accessToken ?? '', 'ascii')
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

async function getJson(url: string): Promise<{ status: number; headers: Headers; json: unknown }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, json: await response.json() };
}

async function publishedKids(base = emulator.url): Promise<string[]> {
  const { json } = await getJson(`${base}/id/keys`);
  return (json as { keys: { kid: string }[] }).keys.map((key) => key.kid);
}

function refresh(refreshToken: string | undefined): Promise<Record<string, string>> {
  return postToken(emulator, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
  }).then((result) => result.json as Record<string, string>);
}

/** A login whose id_token is issued while `tweak` is set. */
async function loginWithTweak(tweak: IdTokenTweak, overrides: Params = {}): Promise<Record<string, string>> {
  emulator.setIdTokenTweak(tweak);
  return login(emulator, { scope: 'openid', nonce: 'n-0S6_WzA2Mj', ...overrides });
}

describe('id_token in the authorization_code response', () => {
  it('comes with the openid scope, signed RS256 by a published numeric kid, in the token field set', async () => {
    const tokens = await login(emulator, { scope: 'openid api refresh_token' });
    expect(Object.keys(tokens)).toEqual([
      'access_token',
      'refresh_token',
      'signature',
      'scope',
      'id_token',
      'instance_url',
      'id',
      'token_type',
      'issued_at',
    ]);
    expect(decodeProtectedHeader(tokens['id_token'] ?? '')).toEqual({ alg: 'RS256', kid: '188', typ: 'JWT' });
    expect(await publishedKids()).toEqual(['188']);

    const claims = await verify(tokens['id_token']);
    const iat = claims.iat ?? 0;
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(5);
    expect(claims).toEqual({
      iss: emulator.url,
      sub: tokens['id'],
      aud: CLIENT_ID,
      iat,
      exp: iat + 3600,
      at_hash: expectedAtHash(tokens['access_token']),
    });
    expect(tokens['id']).toBe(`${emulator.url}/id/00D5g000004EmUlEAK/${ada().userId}`);
  });

  it('is absent without the openid scope', async () => {
    const tokens = await login(emulator, { scope: 'api profile email refresh_token' });
    expect(tokens['id_token']).toBeUndefined();
    expect(Object.keys(tokens)).toEqual(TOKEN_RESPONSE_FIELDS);
  });

  it('comes when the scope is omitted, since that grants all of the app’s scopes, openid included', async () => {
    const tokens = await login(emulator, { scope: undefined });
    expect((await verify(tokens['id_token'])).sub).toBe(tokens['id']);
  });

  it('echoes the nonce sent at authorize', async () => {
    const tokens = await login(emulator, { scope: 'openid', nonce: 'n-0S6_WzA2Mj' });
    expect((await verify(tokens['id_token'])).nonce).toBe('n-0S6_WzA2Mj');
  });

  it('carries no nonce when none (or an empty one) was sent', async () => {
    expect(await verify((await login(emulator, { scope: 'openid' }))['id_token'])).not.toHaveProperty('nonce');
    expect(await verify((await login(emulator, { scope: 'openid', nonce: '' }))['id_token'])).not.toHaveProperty('nonce');
  });

  it('carries the profile, email, address and phone claims their scopes release', async () => {
    const tokens = await login(emulator, { scope: 'openid profile email address phone' });
    const claims = await verify(tokens['id_token']);
    const user = ada();
    expect(claims).toEqual({
      iss: emulator.url,
      sub: tokens['id'],
      aud: CLIENT_ID,
      iat: claims.iat,
      exp: (claims.iat ?? 0) + 3600,
      at_hash: expectedAtHash(tokens['access_token']),
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      preferred_username: 'ada@example.com',
      nickname: 'ada',
      picture: `${emulator.url}/profilephoto/005/F`,
      profile: `${emulator.url}/${user.userId}`,
      zoneinfo: 'Europe/London',
      locale: 'en_GB',
      updated_at: Math.floor(Date.parse(user.lastModifiedDate) / 1000),
      email: 'ada@example.com',
      email_verified: true,
      address: {},
      phone_number_verified: false,
    });
  });

  it('carries only the claims of the scopes granted', async () => {
    const claims = await verify((await login(emulator, { scope: 'openid email' }))['id_token']);
    expect(Object.keys(claims).sort()).toEqual(['at_hash', 'aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'sub']);
  });

  it('leaves out given_name for a user without a first name', async () => {
    emulator.addUser({ username: 'hopper@example.com', lastName: 'Hopper' });
    const claims = await verify((await login(emulator, { scope: 'openid profile', login_hint: 'hopper@example.com' }))['id_token']);
    expect(claims).not.toHaveProperty('given_name');
    expect(claims).toMatchObject({ name: 'Hopper', family_name: 'Hopper', nickname: 'hopper', preferred_username: 'hopper@example.com' });
  });

  it('lives idTokenLifetime seconds', async () => {
    const shortLived = await startEmulator({ apps: [confidentialApp()], idTokenLifetime: 120 });
    try {
      const tokens = await login(shortLived, { scope: 'openid' });
      const claims = decodeJwt(tokens['id_token'] ?? '');
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
    } finally {
      await shortLived.close();
    }
  });

  it('rejects an idTokenLifetime that is not a positive whole number of seconds', async () => {
    for (const idTokenLifetime of [0, -1, 1.5, Number.NaN]) {
      await expect(startEmulator({ idTokenLifetime })).rejects.toThrow(
        new RangeError('idTokenLifetime must be a positive whole number of seconds'),
      );
    }
  });

  it('is issued by the site the user authorized through, whatever base the code is exchanged at', async () => {
    const site = `${emulator.url}/partners`;
    const { code, codeVerifier } = await obtainCode(emulator, { scope: 'openid' }, '/partners');
    const result = await exchangeCode(emulator, code, codeVerifier);
    const tokens = result.json as Record<string, string>;
    expect(tokens['sfdc_community_url']).toBe(site);
    const claims = await verify(tokens['id_token'], site);
    expect(claims.iss).toBe(site);
    // `sub` is the identity URL, which never carries the site prefix.
    expect(claims.sub).toBe(`${emulator.url}/id/00D5g000004EmUlEAK/${ada().userId}`);
    await expect(verify(tokens['id_token'], emulator.url)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' });
  });

  it('follows identityBaseUrl in sub and the emulator’s own URL in iss', async () => {
    const myDomain = await startEmulator({ apps: [confidentialApp()], identityBaseUrl: 'https://login.salesforce.com/' });
    try {
      const tokens = await login(myDomain, { scope: 'openid' });
      const claims = decodeJwt(tokens['id_token'] ?? '');
      expect(claims.iss).toBe(myDomain.url);
      expect(claims.sub).toBe(`https://login.salesforce.com/id/00D5g000004EmUlEAK/${myDomain.users[0]?.userId}`);
      expect(claims.sub).toBe(tokens['id']);
    } finally {
      await myDomain.close();
    }
  });
});

describe('id_token in the refresh_token response', () => {
  it('comes when the grant has openid, for the new access token and without a nonce', async () => {
    const first = await login(emulator, { scope: 'openid refresh_token', nonce: 'n-0S6_WzA2Mj' });
    expect((await verify(first['id_token'])).nonce).toBe('n-0S6_WzA2Mj');
    const refreshed = await refresh(first['refresh_token']);
    expect(Object.keys(refreshed)).toEqual([
      'access_token',
      'signature',
      'scope',
      'id_token',
      'instance_url',
      'id',
      'token_type',
      'issued_at',
    ]);
    const claims = await verify(refreshed['id_token']);
    expect(claims).not.toHaveProperty('nonce');
    expect(claims.at_hash).toBe(expectedAtHash(refreshed['access_token']));
    expect(claims.sub).toBe(first['id']);
  });

  it('keeps the site issuer of the original authorization', async () => {
    const { code, codeVerifier } = await obtainCode(emulator, { scope: 'openid refresh_token' }, '/partners');
    const first = (
      await postToken(
        emulator,
        {
          grant_type: 'authorization_code',
          code,
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uri: REDIRECT_URI,
          code_verifier: codeVerifier,
        },
        {},
        '/partners',
      )
    ).json as Record<string, string>;
    const refreshed = await refresh(first['refresh_token']);
    expect((await verify(refreshed['id_token'], `${emulator.url}/partners`)).iss).toBe(`${emulator.url}/partners`);
  });

  it('is absent when the grant lacks openid', async () => {
    const first = await login(emulator, { scope: 'api refresh_token' });
    expect(await refresh(first['refresh_token'])).not.toHaveProperty('id_token');
  });
});

describe('signing keys', () => {
  it('publishes RSA JWKs with Salesforce’s members, to any origin', async () => {
    const { status, headers, json } = await getJson(`${emulator.url}/id/keys`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(headers.get('access-control-allow-origin')).toBe('*');
    const keys = (json as { keys: Record<string, unknown>[] }).keys;
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0] ?? {})).toEqual(['kty', 'n', 'e', 'alg', 'use', 'kid']);
    expect(keys[0]).toMatchObject({ kty: 'RSA', e: 'AQAB', alg: 'RS256', use: 'sig', kid: '188' });
    // 2048-bit modulus: 256 bytes, 342 base64url characters.
    expect(keys[0]?.['n']).toMatch(/^[A-Za-z0-9_-]{342}$/);
  });

  it('serves /id/keys under a site prefix, logged as the keys endpoint', async () => {
    expect(await publishedKids(`${emulator.url}/partners`)).toEqual(['188']);
    expect(emulator.requestsTo('keys').map((r) => r.path)).toEqual(['/partners/id/keys']);
    expect(emulator.requestsTo('identity')).toEqual([]);
  });

  it('rotates: the new kid signs, the old one stays published and its tokens still verify', async () => {
    const before = await login(emulator, { scope: 'openid' });
    expect(await emulator.rotateSigningKey()).toBe('190');
    expect(await publishedKids()).toEqual(['188', '190']);
    const after = await login(emulator, { scope: 'openid' });
    expect(decodeProtectedHeader(after['id_token'] ?? '').kid).toBe('190');
    expect((await verify(after['id_token'])).sub).toBe(after['id']);
    expect((await verify(before['id_token'])).sub).toBe(before['id']);
    expect(await emulator.rotateSigningKey()).toBe('192');
    expect(await publishedKids()).toEqual(['188', '190', '192']);
  });

  it('applies concurrent rotations in call order', async () => {
    expect(await Promise.all([emulator.rotateSigningKey(), emulator.rotateSigningKey()])).toEqual(['190', '192']);
    expect(await publishedKids()).toEqual(['188', '190', '192']);
    expect(decodeProtectedHeader((await login(emulator, { scope: 'openid' }))['id_token'] ?? '').kid).toBe('192');
  });
});

describe('id_token tweaks', () => {
  it('claims: overrides a claim, which the audience check catches', async () => {
    const tokens = await loginWithTweak({ claims: { aud: 'someone-else' } });
    expect(decodeJwt(tokens['id_token'] ?? '').aud).toBe('someone-else');
    await expect(verify(tokens['id_token'])).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
  });

  it('claims: null removes a claim, and the signature stays valid', async () => {
    const tokens = await loginWithTweak({ claims: { nonce: null, at_hash: null } });
    const claims = await verify(tokens['id_token']);
    expect(claims).not.toHaveProperty('nonce');
    expect(claims).not.toHaveProperty('at_hash');
  });

  it('claims: a past exp is rejected as expired', async () => {
    const tokens = await loginWithTweak({ claims: { exp: Math.floor(Date.now() / 1000) - 600 } });
    await expect(verify(tokens['id_token'])).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED', claim: 'exp' });
  });

  it('claims: a wrong issuer or nonce is carried as set', async () => {
    const tokens = await loginWithTweak({ claims: { iss: 'https://evil.example', nonce: 'other-nonce' } });
    await expect(verify(tokens['id_token'])).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' });
    expect(decodeJwt(tokens['id_token'] ?? '').nonce).toBe('other-nonce');
  });

  it('corrupt: the signature no longer verifies, while header and claims are intact', async () => {
    const tokens = await loginWithTweak({ signature: 'corrupt' });
    const idToken = tokens['id_token'] ?? '';
    expect(decodeProtectedHeader(idToken)).toEqual({ alg: 'RS256', kid: '188', typ: 'JWT' });
    expect(decodeJwt(idToken).nonce).toBe('n-0S6_WzA2Mj');
    expect(Buffer.from(idToken.split('.')[2] ?? '', 'base64url')).toHaveLength(256);
    await expect(verify(idToken)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('unpublished-key: signed under a kid /id/keys never lists', async () => {
    const tokens = await loginWithTweak({ signature: 'unpublished-key' });
    const { kid } = decodeProtectedHeader(tokens['id_token'] ?? '');
    expect(kid).toBe('187');
    await emulator.rotateSigningKey();
    expect(await publishedKids()).toEqual(['188', '190']);
    await expect(verify(tokens['id_token'])).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('applies to refreshed id_tokens too', async () => {
    const first = await login(emulator, { scope: 'openid refresh_token' });
    emulator.setIdTokenTweak({ signature: 'corrupt' });
    const refreshed = await refresh(first['refresh_token']);
    await expect(verify(refreshed['id_token'])).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('persists until cleared with undefined', async () => {
    emulator.setIdTokenTweak({ claims: { aud: 'x' } });
    expect(decodeJwt((await login(emulator, { scope: 'openid' }))['id_token'] ?? '').aud).toBe('x');
    expect(decodeJwt((await login(emulator, { scope: 'openid' }))['id_token'] ?? '').aud).toBe('x');
    emulator.setIdTokenTweak(undefined);
    expect((await verify((await login(emulator, { scope: 'openid' }))['id_token'])).aud).toBe(CLIENT_ID);
  });

  it('is cleared by clearFaults()', async () => {
    emulator.setIdTokenTweak({ signature: 'corrupt' });
    emulator.clearFaults();
    expect((await verify((await login(emulator, { scope: 'openid' }))['id_token'])).aud).toBe(CLIENT_ID);
  });

  it('is copied when set, so later changes to the caller’s object have no effect', async () => {
    const tweak: IdTokenTweak = { claims: { aud: 'x' } };
    emulator.setIdTokenTweak(tweak);
    if (tweak.claims !== undefined) tweak.claims['aud'] = 'y';
    tweak.signature = 'corrupt';
    const tokens = await login(emulator, { scope: 'openid' });
    expect(decodeJwt(tokens['id_token'] ?? '').aud).toBe('x');
  });

  it('rejects a malformed tweak when it is set', () => {
    expect(() => emulator.setIdTokenTweak({ signature: 'forged' as unknown as 'corrupt' })).toThrow(
      new TypeError('unknown IdTokenTweak.signature: forged'),
    );
    expect(() => emulator.setIdTokenTweak({ claims: { aud: ['a'] as unknown as string } })).toThrow(
      new TypeError('IdTokenTweak.claims.aud must be a string, number, boolean or null'),
    );
  });
});

describe('discovery', () => {
  // Salesforce's members (§7.2) that the emulator serves, in Salesforce's order.
  const expectedDocument = (issuer: string): Record<string, unknown> => ({
    issuer,
    authorization_endpoint: `${issuer}/services/oauth2/authorize`,
    token_endpoint: `${issuer}/services/oauth2/token`,
    revocation_endpoint: `${issuer}/services/oauth2/revoke`,
    userinfo_endpoint: `${issuer}/services/oauth2/userinfo`,
    jwks_uri: `${issuer}/id/keys`,
    scopes_supported: [
      'api',
      'web',
      'full',
      'id',
      'profile',
      'email',
      'address',
      'phone',
      'openid',
      'refresh_token',
      'offline_access',
      'chatter_api',
      'visualforce',
      'custom_permissions',
      'wave_api',
      'eclair_api',
      'pardot_api',
      'lightning',
      'content',
      'cdp_api',
      'sfap_api',
    ],
  });

  it('describes the emulator with its own URL as the issuer', async () => {
    const { status, headers, json } = await getJson(`${emulator.url}/.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(json).toEqual(expectedDocument(emulator.url));
    expect(Object.keys(json as object)).toEqual(Object.keys(expectedDocument(emulator.url)));
    expect(emulator.requestsTo('discovery')).toHaveLength(1);
  });

  it('uses the site as the issuer under a site prefix (§7.2)', async () => {
    const { json } = await getJson(`${emulator.url}/partners/.well-known/openid-configuration`);
    expect(json).toEqual(expectedDocument(`${emulator.url}/partners`));
  });

  it('advertises no endpoint the emulator does not serve (§7.2, §10.9)', async () => {
    const { json } = await getJson(`${emulator.url}/.well-known/openid-configuration`);
    const endpoints = Object.entries(json as object).filter(([name]) => name.endsWith('_endpoint') || name === 'jwks_uri');
    expect(endpoints).toHaveLength(5);
    for (const [name, url] of endpoints) {
      const method = name === 'token_endpoint' || name === 'revocation_endpoint' ? 'POST' : 'GET';
      const response = await fetch(String(url), { method, redirect: 'manual' });
      expect(response.status, name).not.toBe(404);
    }
    for (const missing of ['/services/oauth2/introspect', '/services/oauth2/register', '/services/auth/idp/oidc/logout']) {
      expect((await fetch(`${emulator.url}${missing}`)).status).toBe(404);
    }
  });

  it('leads a client from the issuer to keys that verify the id_token', async () => {
    const tokens = await login(emulator, { scope: 'openid' });
    const metadata = (await getJson(`${emulator.url}/.well-known/openid-configuration`)).json as { issuer: string; jwks_uri: string };
    const { payload } = await jwtVerify(tokens['id_token'] ?? '', createRemoteJWKSet(new URL(metadata.jwks_uri)), {
      issuer: metadata.issuer,
      audience: CLIENT_ID,
    });
    expect(payload.sub).toBe(tokens['id']);
  });
});

describe('faults on the OpenID Connect endpoints', () => {
  it('can make keys and discovery fail like any other endpoint', async () => {
    emulator.setFault('keys', { kind: 'status', status: 503, body: 'down' });
    emulator.setFault('discovery', { kind: 'html' });
    const keys = await fetch(`${emulator.url}/id/keys`);
    expect([keys.status, await keys.text()]).toEqual([503, 'down']);
    const discovery = await fetch(`${emulator.url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(500);
    expect(await discovery.text()).toContain('Down For Maintenance');
    emulator.clearFaults();
    expect(await publishedKids()).toEqual(['188']);
  });
});

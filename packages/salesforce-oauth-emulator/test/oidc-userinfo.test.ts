import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  confidentialApp,
  expectedUrls,
  getIdentity,
  login,
  postForm,
  postToken,
  refreshGrant,
  type JsonResult,
} from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    apps: [confidentialApp()],
    sites: ['/partners'],
    users: [
      { username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
      { username: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', timezone: 'Europe/Paris', locale: 'fr_FR', language: 'fr' },
    ],
  });
});

afterEach(async () => {
  await emulator.close();
});

const BAD_TOKEN = { status: 403, contentType: 'text/plain;charset=UTF-8', text: 'Bad_OAuth_Token' };

function userinfoUrl(target: RunningEmulator = emulator, sitePrefix = ''): string {
  return `${target.url}${sitePrefix}/services/oauth2/userinfo`;
}

function refresh(refreshToken: string | undefined): Promise<JsonResult> {
  return refreshGrant(emulator, refreshToken);
}

/** Both protected endpoints' answers for one access token, as status + body. */
async function probe(
  tokens: Record<string, string>,
  accessToken = tokens['access_token'],
): Promise<{ identity: unknown; userinfo: unknown }> {
  const identity = await getIdentity(tokens['id'] ?? '', accessToken);
  const userinfo = await getIdentity(userinfoUrl(), accessToken);
  return { identity: identity.status === 200 ? 200 : identity, userinfo: userinfo.status === 200 ? 200 : userinfo };
}

const LIVE = { identity: 200, userinfo: 200 };
const DEAD = { identity: BAD_TOKEN, userinfo: BAD_TOKEN };

describe('UserInfo', () => {
  it('answers the token’s user with Salesforce’s claims for a Bearer token', async () => {
    const tokens = await login(emulator);
    const ada = emulator.users[0];
    const result = await getIdentity(userinfoUrl(), tokens['access_token']);
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('application/json;charset=UTF-8');
    const u = emulator.url;
    const json = JSON.parse(result.text) as Record<string, unknown>;
    expect(json).toEqual({
      sub: `${u}/id/00D5g000004EmUlEAK/${ada?.userId}`,
      user_id: ada?.userId,
      organization_id: '00D5g000004EmUlEAK',
      preferred_username: 'ada@example.com',
      nickname: 'ada',
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@example.com',
      email_verified: true,
      zoneinfo: 'America/Los_Angeles',
      locale: 'en_US',
      language: 'en_US',
      utcOffset: -28800000,
      photos: { picture: `${u}/profilephoto/005/F`, thumbnail: `${u}/profilephoto/005/T` },
      picture: `${u}/profilephoto/005/F`,
      profile: `${u}/${ada?.userId}`,
      address: {},
      phone_number: null,
      phone_number_verified: false,
      urls: expectedUrls(u, ada?.userId),
      active: true,
      user_type: 'STANDARD',
      updated_at: ada?.lastModifiedDate,
      is_app_installed: true,
    });
    expect(json['updated_at']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(json['sub']).toBe(tokens['id']);
  });

  it('answers only the token’s own user', async () => {
    const tokens = await login(emulator, { login_hint: 'grace@example.com' });
    const json = JSON.parse((await getIdentity(userinfoUrl(), tokens['access_token'])).text) as Record<string, unknown>;
    expect(json).toMatchObject({
      sub: tokens['id'],
      user_id: emulator.users[1]?.userId,
      preferred_username: 'grace@example.com',
      name: 'Grace Hopper',
      zoneinfo: 'Europe/Paris',
      locale: 'fr_FR',
      language: 'fr',
      utcOffset: 3600000,
    });
  });

  it('shares sub, urls, photos and the modification time with the identity URL', async () => {
    const tokens = await login(emulator);
    const identity = JSON.parse((await getIdentity(tokens['id'] ?? '', tokens['access_token'])).text) as Record<string, unknown>;
    const userinfo = JSON.parse((await getIdentity(userinfoUrl(), tokens['access_token'])).text) as Record<string, unknown>;
    expect(userinfo['urls']).toEqual(identity['urls']);
    expect(userinfo['photos']).toEqual(identity['photos']);
    expect(userinfo['sub']).toBe(identity['id']);
    expect(userinfo['updated_at']).toBe(identity['last_modified_date']);
  });

  it('accepts the token as an oauth_token query parameter, and POSTed as a form field', async () => {
    const tokens = await login(emulator);
    const byQuery = await getIdentity(`${userinfoUrl()}?oauth_token=${encodeURIComponent(tokens['access_token'] ?? '')}`, undefined);
    expect(byQuery.status).toBe(200);
    const byForm = await postForm(emulator, '/services/oauth2/userinfo', { oauth_token: tokens['access_token'] });
    expect(byForm.status).toBe(200);
    expect(byForm.json['sub']).toBe(tokens['id']);
    const byPostedBearer = await postForm(emulator, '/services/oauth2/userinfo', {}, { authorization: `Bearer ${tokens['access_token']}` });
    expect(byPostedBearer.json['preferred_username']).toBe('ada@example.com');
  });

  it('is served under a site prefix', async () => {
    const tokens = await login(emulator);
    const result = await getIdentity(userinfoUrl(emulator, '/partners'), tokens['access_token']);
    expect(result.status).toBe(200);
    expect(emulator.requestsTo('userinfo').map((r) => r.path)).toEqual(['/partners/services/oauth2/userinfo']);
  });

  it('answers 403 Bad_OAuth_Token for a missing, unknown or malformed token', async () => {
    expect(await getIdentity(userinfoUrl(), undefined)).toEqual(BAD_TOKEN);
    expect(await getIdentity(userinfoUrl(), '00D5g000004EmUl!AQ0AQnotatoken')).toEqual(BAD_TOKEN);
    expect(await getIdentity(userinfoUrl(), undefined, { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).toEqual(BAD_TOKEN);
  });

  it('does not accept a refresh token as an access token', async () => {
    const tokens = await login(emulator);
    expect(await getIdentity(userinfoUrl(), tokens['refresh_token'])).toEqual(BAD_TOKEN);
  });
});

describe('revoked tokens at the identity URL and UserInfo', () => {
  it('an access token revoked alone is refused by both, its siblings are not', async () => {
    const tokens = await login(emulator);
    const sibling = (await refresh(tokens['refresh_token'])).json as Record<string, string>;
    expect(await probe(tokens)).toEqual(LIVE);
    expect((await postForm(emulator, '/services/oauth2/revoke', { token: tokens['access_token'] })).status).toBe(200);
    expect(await probe(tokens)).toEqual(DEAD);
    expect(await probe(tokens, sibling['access_token'])).toEqual(LIVE);
  });

  it('revoking a refresh token kills every access token issued from it', async () => {
    const tokens = await login(emulator);
    const refreshed = (await refresh(tokens['refresh_token'])).json as Record<string, string>;
    const other = await login(emulator);
    expect((await postForm(emulator, '/services/oauth2/revoke', { token: tokens['refresh_token'] })).status).toBe(200);
    expect(await probe(tokens)).toEqual(DEAD);
    expect(await probe(tokens, refreshed['access_token'])).toEqual(DEAD);
    // Another grant of the same user and app is untouched.
    expect(await probe(other)).toEqual(LIVE);
  });

  it('reusing a rotated-out refresh token revokes the whole family', async () => {
    emulator.addApp(confidentialApp({ rotateRefreshTokens: true }));
    const tokens = await login(emulator);
    const rotated = (await refresh(tokens['refresh_token'])).json as Record<string, string>;
    expect(rotated['refresh_token']).toMatch(/^5Aep861/);
    expect(await probe(tokens, rotated['access_token'])).toEqual(LIVE);

    const reuse = await refresh(tokens['refresh_token']);
    expect(reuse.json).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
    expect(await probe(tokens)).toEqual(DEAD);
    expect(await probe(tokens, rotated['access_token'])).toEqual(DEAD);
    // The current refresh token of the family is dead too.
    expect((await refresh(rotated['refresh_token'])).status).toBe(400);
  });
});

describe('several emulated orgs in one process', () => {
  let other: RunningEmulator;

  beforeEach(async () => {
    other = await startEmulator({ orgId: '00D000000000001AAA', apps: [confidentialApp()] });
  });

  afterEach(async () => {
    await other.close();
  });

  it('keep their own users, tokens and keys', async () => {
    const ours = await login(emulator, { scope: 'openid api refresh_token' });
    const theirs = await login(other, { scope: 'openid api refresh_token' });
    expect(other.orgId).toBe('00D000000000001AAA');
    expect(theirs['access_token']).toMatch(/^00D000000000001!/);
    expect(theirs['id']).toBe(`${other.url}/id/00D000000000001AAA/${other.users[0]?.userId}`);

    // Each token works at home and nowhere else.
    expect((await getIdentity(ours['id'] ?? '', ours['access_token'])).status).toBe(200);
    expect((await getIdentity(theirs['id'] ?? '', theirs['access_token'])).status).toBe(200);
    expect(await getIdentity(`${other.url}/id/00D5g000004EmUlEAK/${emulator.users[0]?.userId}`, ours['access_token'])).toEqual(BAD_TOKEN);
    expect(await getIdentity(userinfoUrl(other), ours['access_token'])).toEqual(BAD_TOKEN);
    expect(await getIdentity(userinfoUrl(emulator), theirs['access_token'])).toEqual(BAD_TOKEN);
    const crossRefresh = await postToken(other, {
      grant_type: 'refresh_token',
      refresh_token: ours['refresh_token'],
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(crossRefresh.json).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });

    // Same kid numbering, different keys: one org's id_token fails against the other's JWKS.
    const ourKeys = (await (await fetch(`${emulator.url}/id/keys`)).json()) as { keys: { kid: string; n: string }[] };
    const theirKeys = (await (await fetch(`${other.url}/id/keys`)).json()) as { keys: { kid: string; n: string }[] };
    expect(ourKeys.keys.map((k) => k.kid)).toEqual(theirKeys.keys.map((k) => k.kid));
    expect(ourKeys.keys[0]?.n).not.toBe(theirKeys.keys[0]?.n);
    const theirJwks = createRemoteJWKSet(new URL(`${other.url}/id/keys`));
    await expect(jwtVerify(ours['id_token'] ?? '', theirJwks)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    const { payload } = await jwtVerify(theirs['id_token'] ?? '', theirJwks, { issuer: other.url, audience: CLIENT_ID });
    expect(payload.sub).toBe(theirs['id']);
  });

  it('keep their own faults, tweaks, request logs and key rotations', async () => {
    other.setFault('userinfo', { kind: 'status', status: 503 });
    other.setIdTokenTweak({ signature: 'corrupt' });
    expect(await other.rotateSigningKey()).toBe('190');

    const tokens = await login(emulator, { scope: 'openid' });
    expect((await getIdentity(userinfoUrl(), tokens['access_token'])).status).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(tokens['id_token'] ?? '', createRemoteJWKSet(new URL(`${emulator.url}/id/keys`)), {
      issuer: emulator.url,
      audience: CLIENT_ID,
    });
    expect(protectedHeader.kid).toBe('188');
    expect(payload.sub).toBe(tokens['id']);
    expect(other.requests).toEqual([]);
  });
});

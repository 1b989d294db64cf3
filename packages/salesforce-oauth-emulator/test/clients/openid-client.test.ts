// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
/**
 * Conformance: openid-client 6, a strict, certified OpenID Connect client, runs its normal flows
 * against the emulator, over HTTPS trusting the emulator's CA (its `customFetch`) and over HTTP
 * (with its documented `allowInsecureRequests`). A change that breaks one of these is a
 * fidelity bug.
 */
import * as client from 'openid-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/index.js';
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, TRANSPORTS, confidentialApp, followAuthorize } from '../helpers.js';

describe.each(TRANSPORTS)('openid-client 6 over $transport', ({ https }) => {
  let emulator: RunningEmulator;
  let config: client.Configuration;

  beforeEach(async () => {
    emulator = await startEmulator({
      https,
      restApi: true,
      apps: [confidentialApp({ rotateRefreshTokens: true })],
      users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }],
    });
    config = await client.discovery(new URL(emulator.url), CLIENT_ID, CLIENT_SECRET, undefined, {
      [client.customFetch]: emulator.fetch,
      ...(https ? {} : { execute: [client.allowInsecureRequests] }),
    });
    // Check the id_token's signature against /id/keys too, not only what the TLS channel vouches for.
    client.enableNonRepudiationChecks(config);
  });

  afterEach(async () => {
    await emulator.close();
  });

  /** How UserInfo refuses a token: openid-client's error code and the HTTP status it got. */
  async function userinfoRefusal(accessToken: string): Promise<{ code: unknown; status: unknown }> {
    const error = (await client.fetchUserInfo(config, accessToken, client.skipSubjectCheck).then(
      () => ({ code: 'accepted', cause: undefined }),
      (failure: { code?: unknown; cause?: unknown }) => failure,
    )) as { code?: unknown; cause?: unknown };
    return { code: error.code, status: error.cause instanceof Response ? error.cause.status : undefined };
  }

  /** The code flow with PKCE, state and nonce, as openid-client's documentation shows it. */
  async function logIn(
    scope = 'openid api refresh_token profile email',
  ): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizeUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await followAuthorize(emulator, authorizeUrl);
    return client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
  }

  it('discovers the emulator from its issuer (§7.2)', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(emulator.url);
    expect(metadata.token_endpoint).toBe(`${emulator.url}/services/oauth2/token`);
    expect(metadata.supportsPKCE()).toBe(false); // Salesforce's document does not say it (§10.9); PKCE works all the same
  });

  it('logs in with PKCE and a nonce, with a verified id_token whose subject is the identity URL (§7.3)', async () => {
    const tokens = await logIn();
    const ada = emulator.users[0];
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: emulator.url,
      sub: `${emulator.url}/id/${emulator.orgId}/${ada?.userId}`,
      aud: CLIENT_ID,
      preferred_username: 'ada@example.com',
      email: 'ada@example.com',
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expiresIn()).toBeUndefined();
    expect(emulator.requestsTo('keys')).toHaveLength(1);
  });

  it('reads UserInfo for the id_token’s subject (§7.1)', async () => {
    const tokens = await logIn();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
    expect(userinfo).toMatchObject({ preferred_username: 'ada@example.com', name: 'Ada Lovelace', organization_id: emulator.orgId });
  });

  it('runs a SOQL query as a protected resource, at instance_url', async () => {
    const tokens = await logIn();
    const instanceUrl = String(tokens['instance_url']);
    const response = await client.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL(`${instanceUrl}/services/data/v62.0/query?q=SELECT+Name+FROM+User`),
      'GET',
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { records: Array<{ Name: string }> }).records.map((record) => record.Name)).toEqual([
      'Ada Lovelace',
    ]);
  });

  it('refreshes with rotation, with a fresh id_token, and a reused refresh token revokes the family (§5)', async () => {
    const tokens = await logIn();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.refresh_token).toMatch(/^5Aep861/);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()?.sub).toBe(tokens.claims()?.sub);

    const reuse = await client.refreshTokenGrant(config, tokens.refresh_token ?? '').catch((error: unknown) => error);
    expect(reuse).toBeInstanceOf(client.ResponseBodyError);
    expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant', error_description: 'expired access/refresh token' });
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await userinfoRefusal(refreshed.access_token)).toEqual({ code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', status: 403 });
  });

  it('revokes a refresh token with its access tokens (§8)', async () => {
    const tokens = await logIn();
    await client.tokenRevocation(config, tokens.refresh_token ?? '');
    expect(emulator.requestsTo('revoke')[0]?.body).toMatchObject({ token: tokens.refresh_token, client_id: CLIENT_ID });
    await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
    expect(await userinfoRefusal(tokens.access_token)).toEqual({ code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', status: 403 });
  });

  it('gets a new access token by refresh after the session timed out (§4.2, §5)', async () => {
    const tokens = await logIn();
    emulator.advanceClock(7201);
    expect(await userinfoRefusal(tokens.access_token)).toEqual({ code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', status: 403 });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(await client.fetchUserInfo(config, refreshed.access_token, tokens.claims()?.sub ?? '')).toMatchObject({
      preferred_username: 'ada@example.com',
    });
  });

  it('follows a signing key rotation: the new kid is fetched from /id/keys (§7.2, §9.10)', async () => {
    await logIn();
    const kid = await emulator.rotateSigningKey();
    // openid-client refetches keys for an unknown kid only once its copy is a minute old: let a
    // minute pass for the whole process (the emulator signs with the same clock).
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      const tokens = await logIn();
      const header = JSON.parse(Buffer.from(tokens.id_token?.split('.')[0] ?? '', 'base64url').toString()) as { kid: string };
      expect(header.kid).toBe(kid);
    } finally {
      vi.useRealTimers();
    }
    expect(emulator.requestsTo('keys')).toHaveLength(2);
  });

  it('rejects an id_token with a spoiled signature or a wrong nonce (§7.3)', async () => {
    emulator.setIdTokenTweak({ signature: 'corrupt' });
    await expect(logIn()).rejects.toMatchObject({ cause: { message: 'JWT signature verification failed' } });
    emulator.setIdTokenTweak({ claims: { nonce: 'someone-else' } });
    await expect(logIn()).rejects.toMatchObject({
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
      cause: { message: 'unexpected ID Token "nonce" claim value' },
    });
  });
});

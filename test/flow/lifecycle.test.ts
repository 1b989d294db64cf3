import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError, SalesforceOAuthError } from '../../src/errors.js';
import type { EmulatorFault } from 'salesforce-oauth-emulator';
import type { SalesforceTokenSet } from '../../src/index.js';
import { CLIENT_SECRET, startFixture, type Fixture } from '../helpers/fixture.js';
import { startTokenProxy, type TokenProxy } from '../helpers/token-proxy.js';

let fixture: Fixture | undefined;
let proxy: TokenProxy | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await fixture?.close();
  await proxy?.close();
  fixture = undefined;
  proxy = undefined;
});

/** Logs a user in and returns the tokens the verify callback received. */
async function loggedIn(f: Fixture): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await f.browser().login();
  expect(response.body.outcome).toBe('success');
  const call = f.app.verifyCalls.at(-1);
  if (!call?.refreshToken) throw new Error('the login granted no refresh token');
  return { accessToken: call.accessToken, refreshToken: call.refreshToken };
}

/** What the emulator's identity URL answers for an access token. */
async function identityStatus(f: Fixture, accessToken: string): Promise<number> {
  const id = String(f.app.verifyCalls[0]?.params.id);
  return (await fetch(id, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const refreshScope = { strategy: { scope: ['api', 'refresh_token'] } };

describe('refresh', () => {
  it('resolves to the camelCase token set without a refresh token when the app does not rotate', async () => {
    fixture = await startFixture({ app: refreshScope });
    const { refreshToken } = await loggedIn(fixture);
    const tokens = await fixture.app.strategy.refresh(refreshToken);
    expect(tokens).toEqual({
      accessToken: expect.stringMatching(/^00D\w{12}!/),
      refreshToken: undefined,
      instanceUrl: fixture.emulator.url,
      id: fixture.app.verifyCalls[0]?.params.id,
      issuedAt: expect.any(Number),
      scope: 'api refresh_token',
      tokenType: 'Bearer',
      idToken: undefined,
      idTokenClaims: undefined,
    });
    expect(Math.abs((tokens.issuedAt ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(fixture.emulator.requestsTo('token').at(-1)?.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: expect.any(String),
    });
    expect(await identityStatus(fixture, tokens.accessToken)).toBe(200);
  });

  it('sends the secret and checks the signature for a confidential client', async () => {
    fixture = await startFixture({
      app: { strategy: { ...refreshScope.strategy, clientSecret: CLIENT_SECRET } },
      connectedApp: { clientSecret: CLIENT_SECRET },
    });
    const { refreshToken } = await loggedIn(fixture);
    const tokens = await fixture.app.strategy.refresh(refreshToken);
    expect(tokens.accessToken).toMatch(/!/);
    expect(fixture.emulator.requestsTo('token').at(-1)?.body.client_secret).toBe(CLIENT_SECRET);
  });

  it('returns the rotated refresh token, and reuse of the old one revokes the family', async () => {
    fixture = await startFixture({ app: refreshScope, connectedApp: { rotateRefreshTokens: true } });
    const { refreshToken } = await loggedIn(fixture);
    const rotated = await fixture.app.strategy.refresh(refreshToken);
    expect(rotated.refreshToken).toEqual(expect.any(String));
    expect(rotated.refreshToken).not.toBe(refreshToken);
    const reuse = await rejection(fixture.app.strategy.refresh(refreshToken));
    expect(reuse).toBeInstanceOf(SalesforceOAuthError);
    expect(reuse).toMatchObject({
      endpoint: 'refresh',
      status: 400,
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
    await expect(fixture.app.strategy.refresh(rotated.refreshToken ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await identityStatus(fixture, rotated.accessToken)).toBe(403);
  });

  it("rejects after revoke with Salesforce's words", async () => {
    fixture = await startFixture({ app: refreshScope });
    const { accessToken, refreshToken } = await loggedIn(fixture);
    await fixture.app.strategy.revoke(refreshToken);
    expect(fixture.emulator.requestsTo('revoke')[0]?.body).toEqual({ token: refreshToken });
    const error = await rejection(fixture.app.strategy.refresh(refreshToken));
    expect(error).toMatchObject({
      name: 'SalesforceOAuthError',
      message: 'Salesforce refresh request failed: HTTP 400, invalid_grant',
      error_description: 'expired access/refresh token',
    });
    expect(await identityStatus(fixture, accessToken)).toBe(403);
  });

  it('rejects a bad argument with a TypeError', async () => {
    fixture = await startFixture();
    await expect(fixture.app.strategy.refresh('')).rejects.toThrow(
      new InvalidOptionError('refresh(refreshToken): refreshToken must be a non-empty string'),
    );
    await expect(fixture.app.strategy.revoke(undefined as unknown as string)).rejects.toThrow(
      new InvalidOptionError('revoke(token): token must be a non-empty string'),
    );
    await expect(fixture.app.strategy.refresh('x', { loginURL: 'https://evil.example' })).rejects.toMatchObject({
      name: 'LoginURLNotAllowedError',
      code: 'LOGIN_URL_NOT_ALLOWED',
      message: 'loginURL https://evil.example is not in allowedLoginURLs',
      loginURL: 'https://evil.example',
    });
    expect(fixture.emulator.requests).toHaveLength(0);
  });
});

/** passport-oauth2-refresh, as sites use it: it refreshes through the strategy's `_oauth2.getOAuthAccessToken`. */
interface PeerRefresh {
  use(strategy: unknown): void;
  requestNewAccessToken(
    name: string,
    refreshToken: string,
    done: (err: unknown, accessToken?: string, refreshToken?: string, results?: Record<string, unknown>) => void,
  ): void;
}
const peerRefresh = createRequire(import.meta.url)('passport-oauth2-refresh') as PeerRefresh;

function refreshedByPeer(
  f: Fixture,
  refreshToken: string,
): Promise<{ err: unknown; accessToken?: string; refreshToken?: string; results?: Record<string, unknown> }> {
  peerRefresh.use(f.app.strategy);
  return new Promise((resolve) => {
    peerRefresh.requestNewAccessToken(f.app.strategy.name, refreshToken, (err, accessToken, rotated, results) =>
      resolve({ err, accessToken, refreshToken: rotated, results }),
    );
  });
}

/**
 * With rotation on, Salesforce's 200 to a refresh has already spent the old refresh token: a new
 * one that does not reach the app ends the user's grant for good.
 */
describe('a refresh that fails after Salesforce answered 200, with rotation on', () => {
  /** A confidential app with openid and rotation, its token requests through a recording proxy, logged in. */
  async function rotating(): Promise<{ f: Fixture; p: TokenProxy; refreshToken: string }> {
    const p = (proxy = await startTokenProxy());
    const f = (fixture = await startFixture({
      app: {
        strategy: { clientSecret: CLIENT_SECRET, scope: ['openid', 'api', 'refresh_token'], tokenURL: p.tokenURL, requestTimeout: 300 },
      },
      connectedApp: { clientSecret: CLIENT_SECRET, rotateRefreshTokens: true },
    }));
    p.target = f.emulator.url;
    const { refreshToken } = await loggedIn(f);
    return { f, p, refreshToken };
  }

  const TAMPERED: Array<[string, (f: Fixture, p: TokenProxy) => void, string]> = [
    [
      'a signature that does not match',
      (_f, p) => {
        p.tamper = (answer) => ({ ...answer, signature: Buffer.alloc(32).toString('base64') });
      },
      'TOKEN_SIGNATURE_MISMATCH',
    ],
    [
      'an instance_url the strategy refuses',
      (_f, p) => {
        p.tamper = (answer) => ({ ...answer, instance_url: 'javascript:alert(1)' });
      },
      'SALESFORCE_RESPONSE_ERROR',
    ],
    [
      'an id_token of another issuer, as for a My Domain login refreshed without its loginURL',
      (f) => f.emulator.setIdTokenTweak({ claims: { iss: 'https://acme.my.salesforce.com' } }),
      'ID_TOKEN_INVALID',
    ],
  ];

  it.each(TAMPERED)('%s: rejects with the new token set as err.tokens, which keeps the grant alive', async (_label, breakIt, code) => {
    const { f, p, refreshToken } = await rotating();
    breakIt(f, p);
    const error = (await rejection(f.app.strategy.refresh(refreshToken))) as Error & { tokens?: SalesforceTokenSet };
    expect(error).toMatchObject({ code });
    const issued = p.issued.at(-1) ?? {};
    expect(issued.refresh_token).not.toBe(refreshToken);
    expect(error.tokens).toMatchObject({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      id: issued.id,
      idToken: issued.id_token,
    });
    expect(error.tokens?.idTokenClaims).toBeUndefined();
    // The tokens are for the app to take, not for its logs.
    for (const written of [inspect(error, { showHidden: true, depth: null }), JSON.stringify({ ...error }), error.message]) {
      expect(written).not.toContain(String(issued.refresh_token));
      expect(written).not.toContain(String(issued.access_token));
    }
    p.tamper = undefined;
    f.emulator.clearFaults();
    const next = await f.app.strategy.refresh(error.tokens?.refreshToken ?? '');
    expect(next.refreshToken).toEqual(expect.any(String));
  });

  it.each(TAMPERED)('through passport-oauth2-refresh, %s: the same checks and the same err.tokens', async (_label, breakIt, code) => {
    const { f, p, refreshToken } = await rotating();
    breakIt(f, p);
    const answer = await refreshedByPeer(f, refreshToken);
    expect(answer.err).toMatchObject({ code });
    expect(answer.accessToken).toBeUndefined();
    const issued = p.issued.at(-1) ?? {};
    expect((answer.err as { tokens?: SalesforceTokenSet }).tokens).toMatchObject({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
    });
  });

  it('through passport-oauth2-refresh, a sound answer: the new access token, the rotated refresh token, the checked results', async () => {
    const { f, p, refreshToken } = await rotating();
    const answer = await refreshedByPeer(f, refreshToken);
    const issued = p.issued.at(-1) ?? {};
    expect(answer).toMatchObject({ err: null, accessToken: issued.access_token, refreshToken: issued.refresh_token });
    expect(answer.results).toMatchObject({ instance_url: f.emulator.url, id_token: issued.id_token });
  });

  it.each<[string, EmulatorFault]>([
    ['a 503', { kind: 'status', status: 503, body: 'Service Unavailable' }],
    ['a hang', { kind: 'hang' }],
    ['a reset', { kind: 'reset' }],
  ])('keys endpoint answering %s: resolves with the rotated token set, its id_token without claims', async (_label, fault) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { f, p, refreshToken } = await rotating();
    // The keys verified at login are 10 minutes old: the refresh has to fetch them again.
    vi.advanceTimersByTime(10 * 60_000 + 1);
    f.emulator.setFault('keys', fault);
    const tokens = await f.app.strategy.refresh(refreshToken);
    const issued = p.issued.at(-1) ?? {};
    expect(tokens).toMatchObject({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      idToken: issued.id_token,
      idTokenClaims: undefined,
    });
    // The login's fetch, then the refresh's (sent once more on a new connection after a reset).
    expect(f.emulator.requestsTo('keys')).toHaveLength(fault.kind === 'reset' ? 3 : 2);
    f.emulator.clearFaults();
    const next = await f.app.strategy.refresh(tokens.refreshToken ?? '');
    expect(next.idTokenClaims).toMatchObject({ aud: expect.any(String) });
  });

  it('a failure before Salesforce answered 200 leaves the old refresh token valid and carries no tokens', async () => {
    const { f, refreshToken } = await rotating();
    f.emulator.setFault('token', { kind: 'status', status: 503, body: 'Service Unavailable' });
    const error = (await rejection(f.app.strategy.refresh(refreshToken))) as Error & { tokens?: SalesforceTokenSet };
    expect(error).toMatchObject({ name: 'SalesforceResponseError', code: 'SALESFORCE_RESPONSE_ERROR' });
    expect(error.tokens).toBeUndefined();
    f.emulator.clearFaults();
    await expect(f.app.strategy.refresh(refreshToken)).resolves.toMatchObject({ refreshToken: expect.any(String) });
  });
});

describe('revoke', () => {
  it('revokes only the access token it is given', async () => {
    fixture = await startFixture({ app: refreshScope });
    const { accessToken, refreshToken } = await loggedIn(fixture);
    await fixture.app.strategy.revoke(accessToken);
    expect(await identityStatus(fixture, accessToken)).toBe(403);
    const refreshed = await fixture.app.strategy.refresh(refreshToken);
    expect(await identityStatus(fixture, refreshed.accessToken)).toBe(200);
  });

  it("rejects an unknown token with Salesforce's invalid_token", async () => {
    fixture = await startFixture();
    const error = await rejection(fixture.app.strategy.revoke('00D000000000000!unknown'));
    expect(error).toMatchObject({ name: 'SalesforceOAuthError', endpoint: 'revoke', status: 400, error: 'invalid_token' });
  });

  it('ends a hang as a SalesforceTimeoutError within requestTimeout', async () => {
    fixture = await startFixture({ app: { strategy: { requestTimeout: 200 } } });
    fixture.emulator.setFault('revoke', { kind: 'hang' });
    await expect(fixture.app.strategy.revoke('00D000000000000!any')).rejects.toMatchObject({
      name: 'SalesforceTimeoutError',
      message: 'Salesforce revoke request timed out after 200 ms',
    });
  });
});

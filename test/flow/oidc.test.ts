import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IdTokenTweak, RunningEmulator } from 'salesforce-oauth-emulator';
import { startEmulator } from 'salesforce-oauth-emulator';
import { CLIENT_ID, pendingLogins, startFixture, type Fixture, type FixtureOptions } from '../helpers/fixture.js';

let fixture: Fixture | undefined;
let second: RunningEmulator | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await fixture?.close();
  await second?.close();
  fixture = undefined;
  second = undefined;
});

const openid = { strategy: { scope: ['openid', 'email', 'refresh_token'] } };

function start(options: FixtureOptions = {}): Promise<Fixture> {
  return startFixture({ ...options, app: { ...openid, ...options.app, strategy: { ...openid.strategy, ...options.app?.strategy } } });
}

describe('OpenID Connect logins', () => {
  it('sends a nonce, verifies the id_token and hands its claims to the verify callback', async () => {
    fixture = await start();
    const browser = fixture.browser();
    const authorizeURL = await browser.startLogin();
    const nonce = authorizeURL.searchParams.get('nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Object.values(pendingLogins((await browser.me()).session))[0]?.nonce).toBe(nonce);

    const response = await browser.callback(await browser.authorize(authorizeURL));
    expect(response.body.outcome).toBe('success');
    const params = fixture.app.verifyCalls[0]?.params ?? {};
    expect(params.id_token_claims).toMatchObject({
      iss: fixture.emulator.url,
      aud: CLIENT_ID,
      sub: params.id,
      nonce,
      email: 'ada@example.com',
      email_verified: true,
    });
    expect(fixture.emulator.requestsTo('keys')).toHaveLength(1);
  });

  it('sends no nonce and verifies nothing when openid is not requested', async () => {
    fixture = await startFixture({ app: { strategy: { scope: 'api' } } });
    const browser = fixture.browser();
    const authorizeURL = await browser.startLogin();
    expect(authorizeURL.searchParams.has('nonce')).toBe(false);
    expect((await browser.callback(await browser.authorize(authorizeURL))).body.outcome).toBe('success');
    expect(fixture.emulator.requestsTo('keys')).toHaveLength(0);
  });

  it('verifies an id_token the Connected App grants without openid being asked for', async () => {
    fixture = await startFixture();
    const browser = fixture.browser();
    const authorizeURL = await browser.startLogin();
    expect(authorizeURL.searchParams.has('scope')).toBe(false);
    expect(authorizeURL.searchParams.has('nonce')).toBe(false);
    expect((await browser.callback(await browser.authorize(authorizeURL))).body.outcome).toBe('success');
    expect(fixture.app.verifyCalls[0]?.params.id_token_claims).toMatchObject({ iss: fixture.emulator.url, aud: CLIENT_ID });
    fixture.emulator.setIdTokenTweak({ signature: 'corrupt' });
    expect((await fixture.browser().login()).body).toMatchObject({
      name: 'IdTokenError',
      message: expect.stringMatching(/^id_token rejected \(signature\)/),
    });
  });

  it.each<[string, IdTokenTweak, string]>([
    ['a tampered signature', { signature: 'corrupt' }, 'signature'],
    ['a key that was never published', { signature: 'unpublished-key' }, 'key'],
    ['a wrong audience', { claims: { aud: 'another-client' } }, 'audience'],
    ['a wrong issuer', { claims: { iss: 'https://login.salesforce.com' } }, 'issuer'],
    ['an expired token', { claims: { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 } }, 'expired'],
    ['a missing nonce', { claims: { nonce: null } }, 'nonce'],
    ['a nonce from another login', { claims: { nonce: 'AAAAAAAAAAAAAAAAAAAAAA' } }, 'nonce'],
  ])('fails the login on %s, naming the check', async (_label, tweak, check) => {
    fixture = await start();
    fixture.emulator.setIdTokenTweak(tweak);
    const response = await fixture.browser().login();
    expect(response.body).toMatchObject({ outcome: 'error', name: 'IdTokenError', code: 'ID_TOKEN_INVALID' });
    expect(response.body.message).toMatch(new RegExp(`^id_token rejected \\(${check}\\): `));
    expect(fixture.app.verifyCalls).toHaveLength(0);
    expect(fixture.emulator.requestsTo('identity')).toHaveLength(0);
  });

  it.each<[string, IdTokenTweak['claims']]>([
    ['a wrong issuer', { iss: 'https://login.salesforce.com' }],
    ['an expired token', { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }],
    ['a wrong audience', { aud: 'another-client' }],
  ])("keeps the id_token's personal data out of the IdTokenError and its cause on %s", async (_label, claims) => {
    fixture = await start();
    const personal = { phone_number: '+1 555 0100 4242', street_address: '12 Analytical Engine Lane' };
    fixture.emulator.setIdTokenTweak({ claims: { ...claims, ...personal } });
    expect((await fixture.browser().login()).body).toMatchObject({ name: 'IdTokenError' });
    const error = fixture.app.errors[0] as Error;
    expect(error.cause).toBeInstanceOf(Error);
    const written = inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true });
    for (const value of ['ada@example.com', 'Lovelace', personal.phone_number, personal.street_address]) {
      expect(written).not.toContain(value);
    }
  });

  it('refuses the id_token of one login replayed into another', async () => {
    fixture = await start();
    const first = fixture.browser();
    await first.login();
    const { nonce } = fixture.app.verifyCalls[0]?.params.id_token_claims as { nonce: string };
    fixture.emulator.setIdTokenTweak({ claims: { nonce } });
    const response = await fixture.browser().login();
    expect(response.body).toMatchObject({
      name: 'IdTokenError',
      message: 'id_token rejected (nonce): the id_token nonce does not match this login',
    });
  });

  it('fetches the keys again for a kid that appears after key rotation, at most once per 30 s', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    fixture = await start();
    expect((await fixture.browser().login()).body.outcome).toBe('success');
    const kid = await fixture.emulator.rotateSigningKey();
    expect((await fixture.browser().login()).body).toMatchObject({
      name: 'IdTokenError',
      message: expect.stringMatching(/^id_token rejected \(key\)/),
    });
    expect(fixture.emulator.requestsTo('keys')).toHaveLength(1);
    vi.advanceTimersByTime(30_001);
    expect((await fixture.browser().login()).body.outcome).toBe('success');
    expect((await fixture.browser().login()).body.outcome).toBe('success');
    expect(fixture.emulator.requestsTo('keys')).toHaveLength(2);
    expect(kid).toMatch(/^\d+$/);
  });

  it("fails the login when the id_token's sub is another user than the token response's", async () => {
    fixture = await start();
    const { emulator } = fixture;
    emulator.setIdTokenTweak({ claims: { sub: `${emulator.url}/id/${emulator.orgId}/0055g00000OthErAAA` } });
    const response = await fixture.browser().login();
    expect(response.body).toMatchObject({
      name: 'IdTokenError',
      message: "id_token rejected (subject): the id_token's sub is not the user of the token response's identity URL",
    });
    expect(fixture.app.verifyCalls).toHaveLength(0);
    expect(emulator.requestsTo('identity')).toHaveLength(0);
  });

  it('fails the login when openid was requested and no id_token came back', async () => {
    fixture = await start({ connectedApp: { scopes: ['api', 'refresh_token', 'email', 'openid'] } });
    const { emulator } = fixture;
    emulator.setFault('token', {
      kind: 'status',
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        access_token: '00D5g000004EmUl!x',
        id: `${emulator.url}/id/${emulator.orgId}/${emulator.users[0]?.userId}`,
        instance_url: emulator.url,
        token_type: 'Bearer',
        issued_at: '1',
      }),
    });
    const response = await fixture.browser().login();
    expect(response.body).toMatchObject({
      name: 'IdTokenError',
      message: 'id_token rejected (missing): openid was requested but the token response has no id_token',
    });
  });

  it('fetches the keys while the code is exchanged, and the identity only once the id_token is verified', async () => {
    fixture = await start({ app: { strategy: { requestTimeout: 300 } } });
    // The token call never answers: the keys were asked for all the same, alongside it.
    fixture.emulator.setFault('token', { kind: 'hang' });
    expect((await fixture.browser().login()).body).toMatchObject({
      name: 'SalesforceTimeoutError',
      message: 'Salesforce token request timed out after 300 ms',
    });
    expect(fixture.emulator.requestsTo('keys')).toHaveLength(1);
    expect(fixture.emulator.requestsTo('identity')).toHaveLength(0);
    fixture.emulator.clearFaults();
    expect((await fixture.browser().login()).body.outcome).toBe('success');
    // The keys fetched then are fresh: this login fetched none.
    expect(fixture.emulator.requestsTo('keys')).toHaveLength(1);
  });

  it('ends a hanging key fetch as a SalesforceTimeoutError, and the next login works', async () => {
    fixture = await start({ app: { strategy: { requestTimeout: 300 } } });
    fixture.emulator.setFault('keys', { kind: 'hang' });
    expect((await fixture.browser().login()).body).toMatchObject({
      name: 'SalesforceTimeoutError',
      message: 'Salesforce keys request timed out after 300 ms',
    });
    fixture.emulator.clearFaults();
    expect((await fixture.browser().login()).body.outcome).toBe('success');
  });

  it('checks the issuer of an Experience Cloud site with its path', async () => {
    fixture = await start({ sitePath: '/partners' });
    expect((await fixture.browser().login()).body.outcome).toBe('success');
    expect(fixture.app.verifyCalls[0]?.params.id_token_claims).toMatchObject({ iss: `${fixture.emulator.url}/partners` });
    expect(fixture.emulator.requestsTo('keys')[0]?.path).toBe('/partners/id/keys');
  });

  it("checks a per-request org's id_token against that org", async () => {
    const other = await startEmulator({ orgId: '00D5g000007OthErAA' });
    second = other;
    fixture = await start({ app: { strategy: { allowedLoginURLs: [other.url] }, authenticateOptions: () => ({ loginURL: other.url }) } });
    other.addApp({ clientId: CLIENT_ID, redirectUris: [`${fixture.app.url}/auth/salesforce/callback`] });
    expect((await fixture.browser().login()).body.outcome).toBe('success');
    expect(fixture.app.verifyCalls[0]?.params.id_token_claims).toMatchObject({ iss: other.url });
    expect(other.requestsTo('keys')).toHaveLength(1);
    expect(fixture.emulator.requests).toHaveLength(0);
  });

  it('verifies the id_token that comes back with a refresh', async () => {
    fixture = await start();
    await fixture.browser().login();
    const tokens = await fixture.app.strategy.refresh(fixture.app.verifyCalls[0]?.refreshToken ?? '');
    expect(tokens.idToken).toMatch(/^ey/);
    expect(tokens.idTokenClaims).toMatchObject({ iss: fixture.emulator.url, aud: CLIENT_ID });
    expect(tokens.idTokenClaims?.nonce).toBeUndefined();
    fixture.emulator.setIdTokenTweak({ claims: { aud: 'another-client' } });
    await expect(fixture.app.strategy.refresh(fixture.app.verifyCalls[0]?.refreshToken ?? '')).rejects.toMatchObject({
      name: 'IdTokenError',
      check: 'audience',
    });
  });
});

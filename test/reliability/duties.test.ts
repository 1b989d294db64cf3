import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, SalesforcePkceStrategy } from '../../src/index.js';
import { CLIENT_SECRET, computeCodeChallenge, pendingLogins, startFixture, type Fixture } from '../helpers/fixture.js';

/**
 * Client duties of RFC 7636, RFC 9700 and Salesforce's ISV guidance that no other test pins
 * down on its own; docs/security.md maps each duty to its test.
 */

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe('client duties', () => {
  it('a confidential client sends both client_secret and the raw code_verifier, with an S256 challenge at authorize', async () => {
    const f = (fixture = await startFixture({
      app: { strategy: { clientSecret: CLIENT_SECRET } },
      connectedApp: { clientSecret: CLIENT_SECRET },
    }));
    const browser = f.browser();
    const authorizeURL = await browser.startLogin();
    const handle = authorizeURL.searchParams.get('state') ?? '';
    const verifier = pendingLogins((await browser.me()).session)[handle]?.verifier ?? '';
    expect(authorizeURL.searchParams.get('code_challenge')).toBe(computeCodeChallenge(verifier));
    expect(authorizeURL.searchParams.get('code_challenge_method')).toBe('S256');
    expect((await browser.callback(await browser.authorize(authorizeURL))).body.outcome).toBe('success');
    expect(f.emulator.requestsTo('token')[0]?.body).toMatchObject({
      grant_type: 'authorization_code',
      client_secret: CLIENT_SECRET,
      code_verifier: verifier,
    });
  });

  it('refuses options that would turn S256 PKCE or state off, naming each', () => {
    const options = { clientID: 'key', callbackURL: '/cb', pkce: false, state: false };
    expect(() => new SalesforcePkceStrategy(options as never, (_a, _r, _params, _p, done) => done(null, false))).toThrow(
      new InvalidOptionError(
        'SalesforcePkceStrategy: options.pkce is not needed: PKCE (S256) is always on and cannot be turned off, so remove it; ' +
          "options.state is not needed: state is always on; a per-login state object goes to passport.authenticate('salesforce', { state }) and comes back as info.state",
      ),
    );
  });

  it('sends the code verifier nowhere but in the token request body', async () => {
    const f = (fixture = await startFixture());
    const browser = f.browser();
    const start = await browser.agent.get('/login');
    const authorizeURL = new URL(start.headers.location as string);
    const verifier = pendingLogins((await browser.me()).session)[authorizeURL.searchParams.get('state') ?? '']?.verifier ?? '';
    const callback = await browser.callback(await browser.authorize(authorizeURL));
    expect(callback.body.outcome).toBe('success');
    expect(verifier).toMatch(/^[\w-]{43}$/);
    expect(JSON.stringify(start.headers) + start.text + JSON.stringify(callback.headers) + callback.text).not.toContain(verifier);
    const carrying = f.emulator.requests.filter((request) => JSON.stringify(request).includes(verifier));
    expect(carrying.map((request) => [request.endpoint, request.method, request.body.code_verifier])).toEqual([
      ['token', 'POST', verifier],
    ]);
  });

  it('sends the access token only in an Authorization header or a POST body, never in a URL', async () => {
    const f = (fixture = await startFixture({ app: { strategy: { scope: ['api', 'refresh_token'] } } }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    const { accessToken, refreshToken } = f.app.verifyCalls[0] ?? { accessToken: '', refreshToken: '' };
    await f.app.strategy.refresh(refreshToken ?? '');
    await f.app.strategy.revoke(accessToken);
    for (const request of f.emulator.requests) {
      expect(`${request.path}?${new URLSearchParams(request.query).toString()}`).not.toContain(accessToken.slice(16));
      expect(`${request.path}?${new URLSearchParams(request.query).toString()}`).not.toContain((refreshToken ?? '').slice(8));
    }
    expect(f.emulator.requestsTo('identity')[0]?.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(f.emulator.requestsTo('revoke')[0]).toMatchObject({ method: 'POST', body: { token: accessToken } });
  });

  it("refuses a victim's code injected into an attacker's own login (RFC 9700 §4.5): PKCE binds the code to the browser that started it", async () => {
    const f = (fixture = await startFixture());
    const victim = f.browser();
    const victimCallback = await victim.authorize(await victim.startLogin());
    const attacker = f.browser();
    const attackerCallback = await attacker.authorize(await attacker.startLogin());
    const injected = new URL(attackerCallback);
    injected.searchParams.set('code', victimCallback.searchParams.get('code') ?? '');
    const response = await attacker.callback(injected);
    expect(response.body).toMatchObject({
      outcome: 'error',
      name: 'SalesforceOAuthError',
      error: 'invalid_grant',
      error_description: 'invalid code verifier',
    });
    expect((await attacker.me()).user).toBeNull();
    expect(f.app.verifyCalls).toHaveLength(0);
  });
});

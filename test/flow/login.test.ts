import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.js';
import { CLIENT_ID, CLIENT_SECRET, computeCodeChallenge, pendingLogins, startFixture, type Fixture } from '../helpers/fixture.js';

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe.each([4, 5] as const)('login on Express %i', (expressVersion) => {
  it('completes a public-client login with S256 PKCE and no client_secret', async () => {
    fixture = await startFixture({ app: { expressVersion, strategy: { scope: ['api', 'refresh_token'] } } });
    const { emulator, app } = fixture;
    const browser = fixture.browser();

    const authorizeURL = await browser.startLogin();
    const query = Object.fromEntries(authorizeURL.searchParams);
    const [handle, entry] = Object.entries(pendingLogins((await browser.me()).session))[0] ?? [];
    expect(`${authorizeURL.origin}${authorizeURL.pathname}`).toBe(`${emulator.url}/services/oauth2/authorize`);
    expect(query).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${app.url}/auth/salesforce/callback`,
      scope: 'api refresh_token',
      state: handle,
      code_challenge: computeCodeChallenge(entry?.verifier ?? ''),
      code_challenge_method: 'S256',
    });
    expect(entry?.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const callbackURL = await browser.authorize(authorizeURL);
    const response = await browser.callback(callbackURL);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      outcome: 'success',
      user: { id: emulator.users[0]?.userId, username: 'ada@example.com', organizationId: emulator.orgId },
      info: {},
    });

    const [tokenRequest] = emulator.requestsTo('token');
    expect(tokenRequest?.body).toEqual({
      grant_type: 'authorization_code',
      code: callbackURL.searchParams.get('code'),
      client_id: CLIENT_ID,
      redirect_uri: `${app.url}/auth/salesforce/callback`,
      code_verifier: entry?.verifier,
    });
    expect(tokenRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const [identityRequest] = emulator.requestsTo('identity');
    const verifyCall = app.verifyCalls[0];
    expect(identityRequest?.headers.authorization).toBe(`Bearer ${verifyCall?.accessToken}`);
    expect(identityRequest?.query).toEqual({});
    expect(verifyCall?.refreshToken).toMatch(/.{20,}/);
    expect(verifyCall?.params).toMatchObject({ instance_url: emulator.url, token_type: 'Bearer', scope: 'api refresh_token' });
    expect(verifyCall?.profile).toMatchObject({
      provider: 'salesforce',
      username: 'ada@example.com',
      displayName: 'Ada Lovelace',
      instanceUrl: emulator.url,
    });

    const after = await browser.me();
    expect(after.user).toEqual(response.body.user);
    expect(pendingLogins(after.session)).toEqual({});
  });

  it('completes a confidential-client login, sending the secret and checking the signature', async () => {
    fixture = await startFixture({
      app: { expressVersion, strategy: { clientSecret: CLIENT_SECRET } },
      connectedApp: { clientSecret: CLIENT_SECRET },
    });
    const response = await fixture.browser().login();
    expect(response.body.outcome).toBe('success');
    expect(fixture.emulator.requestsTo('token')[0]?.body.client_secret).toBe(CLIENT_SECRET);
    expect(fixture.app.verifyCalls[0]?.params.signature).toEqual(expect.any(String));
  });

  it('finishes two tabs of one session in either order', async () => {
    fixture = await startFixture({ app: { expressVersion } });
    const browser = fixture.browser();
    const first = await browser.authorize(await browser.startLogin());
    const second = await browser.authorize(await browser.startLogin());
    const third = await browser.authorize(await browser.startLogin());
    expect(Object.keys(pendingLogins((await browser.me()).session))).toHaveLength(3);
    expect((await browser.callback(second)).body.outcome).toBe('success');
    expect((await browser.callback(first)).body.outcome).toBe('success');
    expect((await browser.callback(third)).body.outcome).toBe('success');
    expect(pendingLogins((await browser.me()).session)).toEqual({});
  });

  it('hands the state object back as info.state', async () => {
    fixture = await startFixture({
      app: { expressVersion, authenticateOptions: (req) => ({ state: { returnTo: String(req.query.returnTo) } }) },
    });
    const response = await fixture.browser().login('/login?returnTo=%2Freports%3Fq%3D1');
    expect(response.body).toMatchObject({ outcome: 'success', info: { state: { returnTo: '/reports?q=1' } } });
    expect(fixture.emulator.requestsTo('authorize')[0]?.query.state).not.toContain('reports');
  });
});

describe('per-request options', () => {
  it('sends prompt, login_hint, display and a per-request scope', async () => {
    fixture = await startFixture({
      emulator: { users: [{ username: 'ada@example.com' }, { username: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' }] },
      app: {
        strategy: { scope: 'api' },
        authenticateOptions: () => ({ prompt: 'login consent', loginHint: 'grace@example.com', display: 'popup', scope: ['id', 'web'] }),
      },
    });
    const browser = fixture.browser();
    const authorizeURL = await browser.startLogin();
    expect(authorizeURL.searchParams.get('prompt')).toBe('login consent');
    expect(authorizeURL.searchParams.get('login_hint')).toBe('grace@example.com');
    expect(authorizeURL.searchParams.get('display')).toBe('popup');
    expect(authorizeURL.searchParams.get('scope')).toBe('id web');
    const response = await browser.callback(await browser.authorize(authorizeURL));
    expect(response.body.user.username).toBe('grace@example.com');
  });

  it.each([
    [{ prompt: 'none' }, 'authenticate option "prompt" must be "login", "consent", "select_account" or several of them space-separated'],
    [{ display: 'fullscreen' }, 'authenticate option "display" must be "page", "popup", "touch" or "mobile"'],
    [{ loginHint: 42 }, 'authenticate option "loginHint" must be a string (a Salesforce username)'],
    [{ scope: [1] }, 'authenticate option "scope" must be a string or an array of strings'],
    [
      { state: { at: new Date(0) } },
      'authenticate option "state" must be JSON-serialisable (plain objects, arrays, strings, numbers, booleans, null)',
    ],
  ])('answers %j with a TypeError that names the option, before any redirect', async (authenticateOptions, message) => {
    fixture = await startFixture({ app: { authenticateOptions: () => authenticateOptions as never } });
    const response = await fixture.browser().agent.get('/login');
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ outcome: 'error', name: 'InvalidOptionError', code: 'INVALID_OPTION', message });
    expect(fixture.app.errors[0]).toBeInstanceOf(TypeError);
    expect(fixture.emulator.requests).toHaveLength(0);
  });
});

describe('logins through other login bases', () => {
  it('keeps an Experience Cloud site path on every endpoint', async () => {
    fixture = await startFixture({ sitePath: '/partners/' });
    const browser = fixture.browser();
    const authorizeURL = await browser.startLogin();
    expect(authorizeURL.pathname).toBe('/partners/services/oauth2/authorize');
    const response = await browser.callback(await browser.authorize(authorizeURL));
    expect(response.body.outcome).toBe('success');
    expect(fixture.emulator.requestsTo('token')[0]?.path).toBe('/partners/services/oauth2/token');
    expect(fixture.app.verifyCalls[0]?.params.sfdc_community_url).toBe(`${fixture.emulator.url}/partners`);
  });

  it('skips the identity request with skipUserProfile and still names the user', async () => {
    fixture = await startFixture({ app: { strategy: { skipUserProfile: true } } });
    const response = await fixture.browser().login();
    expect(response.body.user).toEqual({ id: fixture.emulator.users[0]?.userId, username: '', organizationId: fixture.emulator.orgId });
    expect(fixture.emulator.requestsTo('identity')).toHaveLength(0);
  });
});

describe('session limits', () => {
  it('keeps a session under 8 KB after 200 abandoned logins', async () => {
    fixture = await startFixture();
    const browser = fixture.browser();
    for (let i = 0; i < 200; i += 1) await browser.startLogin();
    const { session } = await browser.me();
    expect(Object.keys(pendingLogins(session))).toHaveLength(10);
    expect(Buffer.byteLength(JSON.stringify(session))).toBeLessThan(8 * 1024);
  });

  it('answers a login without session middleware with an error that says to add express-session', async () => {
    fixture = await startFixture({ app: { withoutSession: true } });
    const response = await new Browser(fixture.app.url).agent.get('/login');
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ name: 'SalesforceError', code: 'SESSION_REQUIRED' });
    expect(response.body.message).toContain('add express-session');
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorFault } from 'salesforce-oauth-emulator';
import type { SalesforceVerifyFunctionWithParams } from '../../src/index.js';
import { STATE_FAILURES } from '../../src/pending-logins.js';
import { CLIENT_SECRET, pendingLogins, startFixture, type Fixture, type FixtureOptions } from '../helpers/fixture.js';

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** The app still logs a user in after the failure. */
async function expectLoginStillWorks(f: Fixture): Promise<void> {
  f.emulator.clearFaults();
  const response = await f.browser().login();
  expect(response.body.outcome).toBe('success');
}

describe.each([4, 5] as const)('failures on Express %i', (expressVersion) => {
  const start = (options: FixtureOptions = {}): Promise<Fixture> => startFixture({ ...options, app: { ...options.app, expressVersion } });

  describe('callbacks the app must refuse before any token request', () => {
    it('refuses a replayed callback', async () => {
      fixture = await start();
      const browser = fixture.browser();
      const callbackURL = await browser.authorize(await browser.startLogin());
      expect((await browser.callback(callbackURL)).body.outcome).toBe('success');
      const replay = await browser.callback(callbackURL);
      expect(replay.status).toBe(403);
      expect(replay.body).toEqual({ outcome: 'failure', info: { message: STATE_FAILURES.unknown } });
      expect(fixture.emulator.requestsTo('token')).toHaveLength(1);
    });

    it('refuses a callback carried to another browser, which leaves the first browser able to finish', async () => {
      fixture = await start();
      const victim = fixture.browser();
      const callbackURL = await victim.authorize(await victim.startLogin());
      const attacker = fixture.browser();
      await attacker.startLogin();
      const stolen = await attacker.callback(callbackURL);
      expect(stolen.status).toBe(403);
      expect(stolen.body.info).toEqual({ message: STATE_FAILURES.unknown });
      expect(fixture.emulator.requestsTo('token')).toHaveLength(0);
      expect((await victim.callback(callbackURL)).body.outcome).toBe('success');
    });

    it.each([
      ['a forged state', (url: URL) => url.searchParams.set('state', 'AAAAAAAAAAAAAAAAAAAAAA'), STATE_FAILURES.unknown],
      ['a __proto__ state', (url: URL) => url.searchParams.set('state', '__proto__'), STATE_FAILURES.unknown],
      ['no state', (url: URL) => url.searchParams.delete('state'), STATE_FAILURES.missing],
      ['a repeated state', (url: URL) => url.searchParams.append('state', 'x'), STATE_FAILURES.missing],
    ])('refuses %s and the genuine callback still succeeds', async (_label, tamper, message) => {
      fixture = await start();
      const browser = fixture.browser();
      const callbackURL = await browser.authorize(await browser.startLogin());
      const forged = new URL(callbackURL);
      tamper(forged);
      const before = pendingLogins((await browser.me()).session);
      const response = await browser.callback(forged);
      expect(response.status).toBe(403);
      expect(response.body.info).toEqual({ message });
      expect(pendingLogins((await browser.me()).session)).toEqual(before);
      expect(fixture.emulator.requestsTo('token')).toHaveLength(0);
      expect((await browser.callback(callbackURL)).body.outcome).toBe('success');
    });

    it('refuses an expired pending login', async () => {
      fixture = await start({ app: { strategy: { pendingLoginTtl: 0.2 } } });
      const browser = fixture.browser();
      const callbackURL = await browser.authorize(await browser.startLogin());
      await new Promise((resolve) => setTimeout(resolve, 300));
      const response = await browser.callback(callbackURL);
      expect(response.status).toBe(403);
      expect(response.body.info).toEqual({ message: STATE_FAILURES.expired });
      expect(fixture.emulator.requestsTo('token')).toHaveLength(0);
      await expectLoginStillWorks(fixture);
    });

    it('refuses a callback whose code is repeated, consuming the pending login', async () => {
      fixture = await start();
      const browser = fixture.browser();
      const callbackURL = await browser.authorize(await browser.startLogin());
      callbackURL.searchParams.append('code', 'aPrxSecond==');
      const response = await browser.callback(callbackURL);
      expect(response.status).toBe(400);
      expect(response.body.info).toEqual({ message: 'The callback carries no single authorization code' });
      expect(pendingLogins((await browser.me()).session)).toEqual({});
    });
  });

  describe('Salesforce errors on the callback', () => {
    it('turns access_denied into a plain login failure with Salesforce words', async () => {
      fixture = await start({ emulator: { users: [{ username: 'ada@example.com', decision: 'deny' }] } });
      const response = await fixture.browser().login();
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ outcome: 'failure', info: { message: 'end-user denied authorization' } });
      expect(fixture.emulator.requestsTo('token')).toHaveLength(0);
    });

    it('turns other authorization errors into a SalesforceAuthorizationError', async () => {
      fixture = await start({ connectedApp: { blocked: true } });
      const response = await fixture.browser().login();
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        outcome: 'error',
        name: 'SalesforceAuthorizationError',
        code: 'SALESFORCE_AUTHORIZATION_ERROR',
        message: 'Salesforce authorization failed: OAUTH_APP_BLOCKED (this app is blocked by admin)',
        error: 'OAUTH_APP_BLOCKED',
        error_description: 'this app is blocked by admin',
      });
    });
  });

  describe('token endpoint failures', () => {
    it('reports a wrong verifier as invalid_grant / invalid code verifier', async () => {
      fixture = await start();
      const browser = fixture.browser();
      const authorizeURL = await browser.startLogin();
      authorizeURL.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
      const response = await browser.callback(await browser.authorize(authorizeURL));
      expect(response.body).toEqual({
        outcome: 'error',
        name: 'SalesforceOAuthError',
        code: 'SALESFORCE_OAUTH_ERROR',
        message: 'Salesforce token request failed: HTTP 400, invalid_grant',
        error: 'invalid_grant',
        error_description: 'invalid code verifier',
      });
      await expectLoginStillWorks(fixture);
    });

    it('reports a public client whose Connected App requires a secret as invalid_client', async () => {
      fixture = await start({ connectedApp: { clientSecret: CLIENT_SECRET } });
      const response = await fixture.browser().login();
      expect(response.body).toMatchObject({ error: 'invalid_client', error_description: 'invalid client credentials' });
      expect(fixture.emulator.requestsTo('token')[0]?.body).not.toHaveProperty('client_secret');
    });

    it('fails the login when the signature does not match', async () => {
      fixture = await start({ app: { strategy: { clientSecret: CLIENT_SECRET } }, connectedApp: { clientSecret: CLIENT_SECRET } });
      const { emulator } = fixture;
      const forged = JSON.stringify({
        access_token: '00D5g000004EmUl!forged',
        instance_url: emulator.url,
        id: `${emulator.url}/id/${emulator.orgId}/${emulator.users[0]?.userId}`,
        token_type: 'Bearer',
        issued_at: '1717400000000',
        signature: Buffer.alloc(32).toString('base64'),
      });
      emulator.setFault('token', { kind: 'status', status: 200, body: forged, contentType: 'application/json' });
      const response = await fixture.browser().login();
      expect(response.body).toMatchObject({ name: 'SalesforceError', code: 'TOKEN_SIGNATURE_MISMATCH' });
      expect(emulator.requestsTo('identity')).toHaveLength(0);
      await expectLoginStillWorks(fixture);
    });

    it.each<[string, EmulatorFault, Record<string, unknown>]>([
      [
        'a 503 page',
        { kind: 'status', status: 503, body: 'Service Unavailable' },
        { name: 'SalesforceResponseError', message: 'Salesforce token request failed: HTTP 503, a body that is not a JSON object' },
      ],
      [
        'an HTML page',
        { kind: 'html' },
        { name: 'SalesforceResponseError', message: 'Salesforce token request failed: HTTP 500, an HTML page instead of JSON' },
      ],
      [
        'malformed JSON',
        { kind: 'malformed-json' },
        { name: 'SalesforceResponseError', message: 'Salesforce token request failed: HTTP 200, a body that is not a JSON object' },
      ],
      [
        'an empty body',
        { kind: 'empty' },
        { name: 'SalesforceResponseError', message: 'Salesforce token request failed: HTTP 200, empty body' },
      ],
      ['a reset connection', { kind: 'reset' }, { name: 'SalesforceNetworkError', message: 'Salesforce token request failed: ECONNRESET' }],
      ['a hang', { kind: 'hang' }, { name: 'SalesforceTimeoutError', message: 'Salesforce token request timed out after 300 ms' }],
    ])('ends %s as a typed error, and the next login works', async (_label, fault, expected) => {
      fixture = await start({ app: { strategy: { requestTimeout: 300 } } });
      fixture.emulator.setFault('token', fault);
      const browser = fixture.browser();
      const response = await browser.login();
      expect(response.status).toBe(500);
      expect(response.body).toMatchObject({ outcome: 'error', ...expected });
      expect(pendingLogins((await browser.me()).session)).toEqual({});
      await expectLoginStillWorks(fixture);
    });
  });

  describe('identity failures', () => {
    it.each<[string, EmulatorFault, Record<string, unknown>]>([
      [
        '403 Bad_OAuth_Token',
        { kind: 'status', status: 403, body: 'Bad_OAuth_Token' },
        {
          name: 'SalesforceOAuthError',
          error: 'Bad_OAuth_Token',
          message: 'Salesforce identity request failed: HTTP 403, Bad_OAuth_Token',
        },
      ],
      [
        'a 502 HTML page',
        { kind: 'html', status: 502 },
        { name: 'SalesforceResponseError', message: 'Salesforce identity request failed: HTTP 502, an HTML page instead of JSON' },
      ],
      [
        'malformed JSON',
        { kind: 'malformed-json' },
        { name: 'SalesforceResponseError', message: 'Salesforce identity request failed: HTTP 200, a body that is not a JSON object' },
      ],
      [
        'JSON that is no identity',
        { kind: 'status', status: 200, body: '{"ok":true}', contentType: 'application/json' },
        {
          name: 'SalesforceResponseError',
          message: 'Salesforce identity request failed: HTTP 200, the answer is not a Salesforce identity',
        },
      ],
      [
        'a reset connection',
        { kind: 'reset' },
        { name: 'SalesforceNetworkError', message: 'Salesforce identity request failed: ECONNRESET' },
      ],
      ['a hang', { kind: 'hang' }, { name: 'SalesforceTimeoutError', message: 'Salesforce identity request timed out after 300 ms' }],
    ])('ends %s as a typed error, and the next login works', async (_label, fault, expected) => {
      fixture = await start({ app: { strategy: { requestTimeout: 300 } } });
      fixture.emulator.setFault('identity', fault);
      const response = await fixture.browser().login();
      expect(response.body).toMatchObject({ outcome: 'error', ...expected });
      expect(fixture.app.verifyCalls).toHaveLength(0);
      await expectLoginStillWorks(fixture);
    });

    it('never sends the access token to an identity URL outside the login', async () => {
      const foreignRequests: string[] = [];
      const foreign = http.createServer((req, res) => {
        foreignRequests.push(req.url ?? '');
        res.end('{}');
      });
      await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
      const foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
      try {
        fixture = await start({ emulator: { identityBaseUrl: foreignUrl } });
        const response = await fixture.browser().login();
        expect(response.body).toMatchObject({
          name: 'IdentityOriginError',
          code: 'IDENTITY_ORIGIN_REJECTED',
          message: `The identity URL's origin ${foreignUrl} does not belong to this Salesforce login; it was not fetched`,
        });
        expect(foreignRequests).toEqual([]);
      } finally {
        await new Promise((resolve) => foreign.close(resolve));
      }
    });
  });

  it.each<[string, SalesforceVerifyFunctionWithParams, Record<string, unknown>]>([
    [
      'throws before done',
      () => {
        throw new Error('user store down');
      },
      { outcome: 'error', name: 'Error', message: 'user store down' },
    ],
    [
      'is async and rejects before done',
      async () => {
        throw new Error('user store down');
      },
      { outcome: 'error', name: 'Error', message: 'user store down' },
    ],
    [
      'reports no user',
      (_a, _r, _p, _profile, done) => done(null, false, { message: 'not provisioned here' }),
      { outcome: 'failure', info: { message: 'not provisioned here' } },
    ],
  ])('answers when the verify callback %s', async (_label, verify, expected) => {
    fixture = await start({ app: { verify } });
    const response = await fixture.browser().login();
    expect(response.body).toEqual(expected);
    expect((await fixture.browser().agent.get('/me')).status).toBe(200);
  });

  it("keeps Salesforce's words intact when a hostile callback's code is a short string", async () => {
    fixture = await start();
    const browser = fixture.browser();
    const callbackURL = await browser.authorize(await browser.startLogin());
    callbackURL.searchParams.set('code', '_');
    const response = await browser.callback(callbackURL);
    expect(response.body).toMatchObject({
      name: 'SalesforceOAuthError',
      error: 'invalid_grant',
      error_description: 'expired authorization code',
    });
  });

  it('keeps Salesforce error words from the callback free of control and bidi characters', async () => {
    fixture = await start();
    const browser = fixture.browser();
    const callbackURL = await browser.authorize(await browser.startLogin());
    const hostile = new URL(callbackURL);
    hostile.searchParams.delete('code');
    hostile.searchParams.set('error', 'invalid_scope\r\n\u202eevil');
    hostile.searchParams.set('error_description', `bad\u0000 scope ${'x'.repeat(400)}`);
    const response = await browser.callback(hostile);
    expect(response.body).toMatchObject({ name: 'SalesforceAuthorizationError', error: 'invalid_scopeevil' });
    expect(response.body.error_description).toBe(`bad scope ${'x'.repeat(246)}`);
  });
});

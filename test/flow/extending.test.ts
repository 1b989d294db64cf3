import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Request } from 'express';
import { HttpProxyAgent } from 'http-proxy-agent';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidOptionError,
  SalesforceOAuthError,
  SalesforcePkceStrategy,
  type SalesforceAuthenticateOptions,
  type SalesforceProfile,
} from '../../src/index.js';
import { CLIENT_ID, startFixture, type Fixture } from '../helpers/fixture.js';
import { startForwardProxy } from '../helpers/proxy.js';

const require = createRequire(import.meta.url);

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** node-oauth's client as passport-oauth2 hands it to subclasses (`protected` in its types). */
interface OAuth2Client {
  setAgent(agent: unknown): void;
  setAccessTokenName(name: string): void;
  setAuthMethod(method: string): void;
  useAuthorizationHeaderforGET(useIt: boolean): void;
  buildAuthHeader(token: string): string;
  getAuthorizeUrl(params?: Record<string, string>): string;
  getOAuthAccessToken(
    code: string,
    params: Record<string, string>,
    callback: (err: unknown, accessToken?: string, refreshToken?: string, results?: Record<string, unknown>) => void,
  ): void;
  get(url: string, accessToken: string, callback: (err: unknown, body?: string | Buffer) => void): void;
  getProtectedResource(url: string, accessToken: string, callback: (err: unknown, body?: string | Buffer) => void): void;
}

function oauth2Of(strategy: SalesforcePkceStrategy): OAuth2Client {
  return (strategy as unknown as { _oauth2: OAuth2Client })._oauth2;
}

function fetched(call: (callback: (err: unknown, body?: string | Buffer) => void) => void): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) =>
    call((err, body) => (err ? reject(err as Error) : resolve(JSON.parse(String(body)) as Record<string, unknown>))),
  );
}

/**
 * passport-oauth2's documented members: its Strategy's prototype methods except those its source
 * marks `@api private`, and the methods of node-oauth's OAuth2 (passport-oauth2's protected
 * `_oauth2`) except those node-oauth marks internal with a leading underscore. Read from the
 * installed sources, so a new member fails the test below until it is accounted for.
 */
function documentedMembers(): { strategy: string[]; privateStrategy: string[]; oauth2: string[] } {
  const passportOAuth2 = dirname(require.resolve('passport-oauth2/package.json'));
  const strategySource = readFileSync(join(passportOAuth2, 'lib', 'strategy.js'), 'utf8');
  const documented = [...strategySource.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*OAuth2Strategy\.prototype\.(\w+)\s*=/g)];
  const oauth = dirname(require.resolve('oauth/package.json', { paths: [passportOAuth2] }));
  const oauth2Source = readFileSync(join(oauth, 'lib', 'oauth2.js'), 'utf8');
  return {
    strategy: documented.filter((match) => !/@api private/.test(match[1] ?? '')).map((match) => match[2] ?? ''),
    privateStrategy: documented.filter((match) => /@api private/.test(match[1] ?? '')).map((match) => match[2] ?? ''),
    oauth2: [...oauth2Source.matchAll(/exports\.OAuth2\.prototype\.(\w+)\s*=/g)]
      .map((match) => `_oauth2.${match[1] ?? ''}`)
      .filter((name) => !name.startsWith('_oauth2._')),
  };
}

const members = documentedMembers();

/** Each documented member with a login (or calls) that shows it takes effect on this strategy. */
const EFFECTS: Record<string, (expressVersion: 4 | 5) => Promise<void>> = {
  async authenticate(expressVersion) {
    class AlwaysPrompting extends SalesforcePkceStrategy {
      override authenticate(req: Request, options: SalesforceAuthenticateOptions = {}): void {
        super.authenticate(req, { ...options, prompt: 'login' });
      }
    }
    const f = (fixture = await startFixture({ app: { expressVersion, strategyClass: AlwaysPrompting } }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    expect(f.emulator.requestsTo('authorize')[0]?.query.prompt).toBe('login');
  },

  async authorizationParams(expressVersion) {
    class Branded extends SalesforcePkceStrategy {
      override authorizationParams(options: SalesforceAuthenticateOptions): Record<string, string> {
        return { ...super.authorizationParams(options), display: 'touch', brand: 'acme' };
      }
    }
    const f = (fixture = await startFixture({ app: { expressVersion, strategyClass: Branded, strategy: { scope: 'api' } } }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    expect(f.emulator.requestsTo('authorize')[0]?.query).toMatchObject({
      scope: 'api',
      display: 'touch',
      brand: 'acme',
      code_challenge_method: 'S256',
    });
  },

  async tokenParams(expressVersion) {
    const seen: SalesforceAuthenticateOptions[] = [];
    class JsonFormat extends SalesforcePkceStrategy {
      override tokenParams(options: SalesforceAuthenticateOptions): Record<string, string> {
        seen.push(options);
        return { format: 'json' };
      }
    }
    const f = (fixture = await startFixture({
      app: { expressVersion, strategyClass: JsonFormat, callbackOptions: () => ({ display: 'popup' }) },
    }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    expect(seen).toEqual([{ display: 'popup' }]);
    expect(f.emulator.requestsTo('token')[0]?.body).toMatchObject({
      format: 'json',
      grant_type: 'authorization_code',
      code_verifier: expect.stringMatching(/^[\w-]{43}$/),
    });
  },

  async userProfile(expressVersion) {
    class WithDepartment extends SalesforcePkceStrategy {
      override userProfile(accessToken: string, done: (err: Error | null, profile?: SalesforceProfile) => void): void {
        super.userProfile(accessToken, (err, profile) => {
          if (err || !profile) done(err);
          else done(null, Object.assign(profile, { department: 'Research' }));
        });
      }
    }
    const f = (fixture = await startFixture({ app: { expressVersion, strategyClass: WithDepartment } }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    expect(f.app.verifyCalls[0]?.profile).toMatchObject({
      username: 'ada@example.com',
      displayName: 'Ada Lovelace',
      department: 'Research',
    });
    expect(f.emulator.requestsTo('identity')).toHaveLength(1);
  },

  async parseErrorResponse(expressVersion) {
    const bodies: string[] = [];
    class ReadsErrors extends SalesforcePkceStrategy {
      override parseErrorResponse(body: string, status: number): Error | null {
        bodies.push(body);
        const { error } = JSON.parse(body) as { error: string };
        return Object.assign(new Error(`Salesforce said ${error} (${status})`), { name: 'AppTokenError' });
      }
    }
    const f = (fixture = await startFixture({
      app: { expressVersion, strategyClass: ReadsErrors, strategy: { scope: ['api', 'refresh_token'] } },
    }));
    const browser = f.browser();
    const callbackURL = await browser.authorize(await browser.startLogin());
    const code = callbackURL.searchParams.get('code') ?? '';
    f.emulator.setFault('token', {
      kind: 'status',
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ error: 'invalid_grant', error_description: `code ${code} expired` }),
    });
    const response = await browser.callback(callbackURL);
    expect(response.body).toMatchObject({ outcome: 'error', name: 'AppTokenError', message: 'Salesforce said invalid_grant (400)' });
    // The body reaches the override with the call's secrets redacted.
    expect(code.length).toBeGreaterThan(16);
    expect(bodies).toEqual([JSON.stringify({ error: 'invalid_grant', error_description: 'code [redacted] expired' })]);

    f.emulator.clearFaults();
    await expect(f.app.strategy.refresh('5Aep861-not-a-refresh-token')).rejects.toThrow(
      expect.objectContaining({ name: 'AppTokenError', message: 'Salesforce said invalid_grant (400)' }),
    );
  },

  async '_oauth2.setAgent'(expressVersion) {
    const proxy = await startForwardProxy();
    try {
      const f = (fixture = await startFixture({ app: { expressVersion } }));
      oauth2Of(f.app.strategy).setAgent(new HttpProxyAgent(proxy.url));
      expect((await f.browser().login()).body.outcome).toBe('success');
      expect(proxy.forwarded.map((url) => new URL(url).pathname)).toEqual([
        '/services/oauth2/token',
        '/id/keys',
        expect.stringMatching(/^\/id\/00D\w+\/005\w+$/),
      ]);
    } finally {
      await proxy.close();
    }
  },

  async '_oauth2.setAccessTokenName'(expressVersion) {
    const f = (fixture = await startFixture({ app: { expressVersion } }));
    expect(() => oauth2Of(f.app.strategy).setAccessTokenName('oauth_token')).toThrow(
      new InvalidOptionError(
        '_oauth2.setAccessTokenName(): access tokens are sent only in the Authorization header, never in a URL (where logs and proxies keep them)',
      ),
    );
    expect((await f.browser().login()).body.outcome).toBe('success');
    expect(f.emulator.requestsTo('identity')[0]?.query).toEqual({});
  },

  async '_oauth2.setAuthMethod'(expressVersion) {
    const f = (fixture = await startFixture({ app: { expressVersion } }));
    oauth2Of(f.app.strategy).setAuthMethod('OAuth');
    expect((await f.browser().login()).body.outcome).toBe('success');
    expect(f.emulator.requestsTo('identity')[0]?.headers.authorization).toBe(`OAuth ${f.app.verifyCalls[0]?.accessToken}`);
  },

  async '_oauth2.useAuthorizationHeaderforGET'(expressVersion) {
    const f = (fixture = await startFixture({ app: { expressVersion } }));
    const oauth2 = oauth2Of(f.app.strategy);
    expect(() => oauth2.useAuthorizationHeaderforGET(false)).toThrow(
      new InvalidOptionError(
        '_oauth2.useAuthorizationHeaderforGET(false): access tokens are sent only in the Authorization header, never in a URL (where logs and proxies keep them)',
      ),
    );
    oauth2.useAuthorizationHeaderforGET(true);
    expect((await f.browser().login()).body.outcome).toBe('success');
    const accessToken = f.app.verifyCalls[0]?.accessToken ?? '';
    await fetched((callback) => oauth2.get(`${f.emulator.url}/services/oauth2/userinfo`, accessToken, callback));
    expect(f.emulator.requestsTo('userinfo')[0]).toMatchObject({ query: {}, headers: { authorization: `Bearer ${accessToken}` } });
  },

  async '_oauth2.buildAuthHeader'(expressVersion) {
    const f = (fixture = await startFixture({ app: { expressVersion } }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    const accessToken = f.app.verifyCalls[0]?.accessToken ?? '';
    expect(f.emulator.requestsTo('identity')[0]?.headers.authorization).toBe(oauth2Of(f.app.strategy).buildAuthHeader(accessToken));
  },

  async '_oauth2.getAuthorizeUrl'(expressVersion) {
    const f = (fixture = await startFixture({ app: { expressVersion } }));
    const url = new URL(oauth2Of(f.app.strategy).getAuthorizeUrl({ response_type: 'code' }));
    expect(`${url.origin}${url.pathname}`).toBe(`${f.emulator.url}/services/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ response_type: 'code', client_id: CLIENT_ID });
  },

  async '_oauth2.getOAuthAccessToken'(expressVersion) {
    const f = (fixture = await startFixture({ app: { expressVersion, strategy: { scope: ['api', 'refresh_token'] } } }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    const refreshToken = f.app.verifyCalls[0]?.refreshToken ?? '';
    const answer = await new Promise<{ accessToken?: string; refreshToken?: string; results?: Record<string, unknown> }>(
      (resolve, reject) => {
        oauth2Of(f.app.strategy).getOAuthAccessToken(refreshToken, { grant_type: 'refresh_token' }, (err, accessToken, rotated, results) =>
          err ? reject(err as Error) : resolve({ accessToken, refreshToken: rotated, results }),
        );
      },
    );
    expect(answer.accessToken).toMatch(/.{20,}/);
    expect(answer.accessToken).not.toBe(f.app.verifyCalls[0]?.accessToken);
    expect(answer.refreshToken).toBeUndefined();
    expect(answer.results).toMatchObject({ access_token: answer.accessToken, instance_url: f.emulator.url, token_type: 'Bearer' });
    // The public client's refresh carries no client_secret, not even an empty one.
    expect(f.emulator.requestsTo('token')[1]?.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
    });
    const refused = new Promise((resolve) =>
      oauth2Of(f.app.strategy).getOAuthAccessToken('5Aep861-not-a-refresh-token', { grant_type: 'refresh_token' }, resolve),
    );
    expect(await refused).toBeInstanceOf(SalesforceOAuthError);
  },

  async '_oauth2.getProtectedResource'(expressVersion) {
    const f = (fixture = await startFixture({ app: { expressVersion } }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    const accessToken = f.app.verifyCalls[0]?.accessToken ?? '';
    const userinfo = await fetched((callback) =>
      oauth2Of(f.app.strategy).getProtectedResource(`${f.emulator.url}/services/oauth2/userinfo`, accessToken, callback),
    );
    expect(userinfo.preferred_username).toBe('ada@example.com');
    // node-oauth would put the token in the query string here; it goes in the header instead.
    expect(f.emulator.requestsTo('userinfo')[0]).toMatchObject({ query: {}, headers: { authorization: `Bearer ${accessToken}` } });
  },

  async '_oauth2.get'(expressVersion) {
    // The usual passport-oauth2 subclass: a profile of its own, read with this._oauth2.get.
    const loginURLs: string[] = [];
    class FromUserInfo extends SalesforcePkceStrategy {
      override userProfile(accessToken: string, done: (err: Error | null, profile?: SalesforceProfile) => void): void {
        const oauth2 = oauth2Of(this);
        oauth2.get(`${loginURLs[0]}/services/oauth2/userinfo`, accessToken, (err, body) => {
          if (err) return done(err as Error);
          const userinfo = JSON.parse(String(body)) as Record<string, string>;
          done(null, { provider: 'salesforce', id: userinfo.user_id, username: userinfo.preferred_username } as SalesforceProfile);
        });
      }
    }
    const f = (fixture = await startFixture({ app: { expressVersion, strategyClass: FromUserInfo } }));
    loginURLs.push(f.emulator.url);
    const response = await f.browser().login();
    expect(response.body).toMatchObject({ outcome: 'success', user: { id: f.emulator.users[0]?.userId, username: 'ada@example.com' } });
    expect(f.emulator.requestsTo('identity')).toHaveLength(0);
    expect(f.emulator.requestsTo('userinfo')[0]).toMatchObject({
      query: {},
      headers: { authorization: `Bearer ${f.app.verifyCalls[0]?.accessToken}` },
    });
  },
};

describe("passport-oauth2's documented members", () => {
  it('are read from passport-oauth2 and node-oauth as installed, and each has an effect below', () => {
    const runtime = Object.getOwnPropertyNames(OAuth2Strategy.prototype).filter((name) => name !== 'constructor');
    expect([...members.strategy, ...members.privateStrategy].sort()).toEqual(runtime.sort());
    expect(members.strategy).toContain('userProfile');
    expect(members.oauth2).toContain('_oauth2.setAgent');
    expect(Object.keys(EFFECTS).sort()).toEqual([...members.strategy, ...members.oauth2].sort());
  });

  describe.each([4, 5] as const)('on Express %i', (expressVersion) => {
    it.each([...members.strategy, ...members.oauth2])('%s takes effect', async (member) => {
      const effect = EFFECTS[member];
      if (!effect) throw new Error(`no effect shown for ${member}`);
      await effect(expressVersion);
    });
  });
});

describe.each([4, 5] as const)('overrides on Express %i', (expressVersion) => {
  it.each([
    [
      'authorizationParams',
      { code_challenge_method: 'plain' },
      'authorizationParams() may not set code_challenge_method: the strategy sets it',
    ],
    ['authorizationParams', { state: 'fixed' }, 'authorizationParams() may not set state: the strategy sets it'],
    ['authorizationParams', { max_age: 300 }, 'authorizationParams() must return an object of strings; max_age is a number'],
    ['authorizationParams', 'prompt=login', 'authorizationParams() must return an object of strings'],
  ] as const)('refuses %s returning %j before any redirect', async (_method, returned, message) => {
    class Overreaching extends SalesforcePkceStrategy {
      override authorizationParams(): Record<string, string> {
        return returned as unknown as Record<string, string>;
      }
    }
    const f = (fixture = await startFixture({ app: { expressVersion, strategyClass: Overreaching } }));
    const response = await f.browser().agent.get('/login');
    expect(response.body).toMatchObject({ outcome: 'error', name: 'InvalidOptionError', code: 'INVALID_OPTION', message });
    expect(f.emulator.requests).toEqual([]);
  });

  it.each([
    [{ code_verifier: 'a'.repeat(43) }, 'tokenParams() may not set code_verifier: the strategy sets it'],
    [{ redirect_uri: 'https://evil.example/cb' }, 'tokenParams() may not set redirect_uri: the strategy sets it'],
    [{ client_secret: 'guess' }, 'tokenParams() may not set client_secret: the strategy sets it'],
    [{ grant_type: 'password' }, 'tokenParams() may not set grant_type: the strategy sets it'],
    [{ format: null }, 'tokenParams() must return an object of strings; format is null'],
  ] as const)('refuses tokenParams returning %j before the code exchange', async (returned, message) => {
    class Overreaching extends SalesforcePkceStrategy {
      override tokenParams(): Record<string, string> {
        return returned as unknown as Record<string, string>;
      }
    }
    const f = (fixture = await startFixture({ app: { expressVersion, strategyClass: Overreaching } }));
    const response = await f.browser().login();
    expect(response.body).toMatchObject({ outcome: 'error', name: 'InvalidOptionError', code: 'INVALID_OPTION', message });
    expect(f.emulator.requestsTo('token')).toEqual([]);
  });

  it('lets userProfile replace the profile, and still refuses an identity URL foreign to the login', async () => {
    const calls: string[] = [];
    class OwnProfile extends SalesforcePkceStrategy {
      override userProfile(accessToken: string, done: (err: Error | null, profile?: SalesforceProfile) => void): void {
        calls.push(accessToken);
        done(null, { provider: 'salesforce', id: 'from-the-app', username: 'app@example.com' } as SalesforceProfile);
      }
    }
    let f = (fixture = await startFixture({ app: { expressVersion, strategyClass: OwnProfile } }));
    expect((await f.browser().login()).body).toMatchObject({
      outcome: 'success',
      user: { id: 'from-the-app', username: 'app@example.com' },
    });
    expect(calls).toEqual([f.app.verifyCalls[0]?.accessToken]);
    expect(f.emulator.requestsTo('identity')).toEqual([]);
    await f.close();

    f = fixture = await startFixture({
      emulator: { identityBaseUrl: 'https://evil.example' },
      app: { expressVersion, strategyClass: OwnProfile },
    });
    const refused = await f.browser().login();
    expect(refused.body).toMatchObject({ outcome: 'error', name: 'IdentityOriginError', code: 'IDENTITY_ORIGIN_REJECTED' });
    expect(calls).toHaveLength(1);
  });

  it('answers super.userProfile outside a login with an InvalidOptionError (a TypeError), not a request', async () => {
    const f = (fixture = await startFixture({ app: { expressVersion } }));
    const error = await new Promise((resolve) => f.app.strategy.userProfile('00Dxx!not-a-login', resolve));
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toEqual(
      new InvalidOptionError(
        'userProfile(accessToken, done) reads the identity URL of the login in progress with that access token, and there is none',
      ),
    );
    expect(f.emulator.requests).toEqual([]);
  });

  it('calls a one-argument skipUserProfile with the access token, and skips when it says so', async () => {
    const seen: unknown[] = [];
    const f = (fixture = await startFixture({
      app: { expressVersion, strategy: { skipUserProfile: (accessToken: string) => seen.push(accessToken) > 0 } },
    }));
    const response = await f.browser().login();
    expect(response.body).toMatchObject({ outcome: 'success', user: { id: f.emulator.users[0]?.userId, username: '' } });
    expect(seen).toEqual([f.app.verifyCalls[0]?.accessToken]);
    expect(f.emulator.requestsTo('identity')).toEqual([]);
  });

  it.each([
    ['skips', true, 0],
    ['loads', false, 1],
  ])('waits for an asynchronous skipUserProfile(accessToken, done) that %s the profile', async (_label, skip, identityRequests) => {
    const f = (fixture = await startFixture({
      app: { expressVersion, strategy: { skipUserProfile: (_accessToken, done) => void setTimeout(() => done(null, skip), 20) } },
    }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    expect(f.emulator.requestsTo('identity')).toHaveLength(identityRequests);
  });

  it('fails the login with the error an asynchronous skipUserProfile calls back', async () => {
    const f = (fixture = await startFixture({
      app: { expressVersion, strategy: { skipUserProfile: (_accessToken, done) => done(new Error('profile policy unavailable')) } },
    }));
    expect((await f.browser().login()).body).toMatchObject({ outcome: 'error', message: 'profile policy unavailable' });
    expect(f.emulator.requestsTo('identity')).toEqual([]);
  });
});

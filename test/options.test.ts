import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { normaliseScope, resolveOptions } from '../src/options.js';
import { InvalidOptionError } from '../src/errors.js';

const required = { clientID: '3MVG9.consumer.key', callbackURL: '/auth/salesforce/callback' };
const STORE_INTERFACE =
  "SalesforcePkceStrategy: options.store must be a state store with passport-oauth2's PKCE interface: store(req, verifier, state, meta, callback) and verify(req, handle, callback)";

describe('resolveOptions', () => {
  it('applies every default', () => {
    const options = resolveOptions(required);
    expect(options).toEqual({
      name: 'salesforce',
      clientID: '3MVG9.consumer.key',
      clientSecret: undefined,
      callbackURL: '/auth/salesforce/callback',
      login: {
        base: new URL('https://login.salesforce.com'),
        baseURL: 'https://login.salesforce.com',
        authorizationURL: new URL('https://login.salesforce.com/services/oauth2/authorize'),
        tokenURL: new URL('https://login.salesforce.com/services/oauth2/token'),
        revokeURL: new URL('https://login.salesforce.com/services/oauth2/revoke'),
        origins: ['https://login.salesforce.com'],
      },
      scope: undefined,
      requestTimeout: 10_000,
      pendingLoginTtl: 600,
      maxPendingLogins: 10,
      verifyTokenSignature: false,
      skipUserProfile: false,
      sessionKey: 'salesforce-pkce:salesforce',
      trustProxy: undefined,
      passReqToCallback: false,
      store: undefined,
      agent: undefined,
      isAllowedLoginURL: expect.any(Function),
    });
  });

  it('keeps a state store, an agent and a skipUserProfile function as given', () => {
    const store = {
      store: (_req: unknown, _verifier: unknown, _state: unknown, _meta: unknown, _cb: unknown) => undefined,
      verify: (_req: unknown, _handle: unknown, _cb: unknown) => undefined,
    };
    const agent = new http.Agent();
    const skipUserProfile = (accessToken: string) => accessToken.length > 0;
    expect(resolveOptions({ ...required, store, agent, skipUserProfile })).toMatchObject({ store, agent, skipUserProfile });
    expect(resolveOptions({ ...required, agent: new https.Agent() }).agent).toBeInstanceOf(https.Agent);
  });

  it('checks the signature by default when a secret is set', () => {
    expect(resolveOptions({ ...required, clientSecret: 's3cret' }).verifyTokenSignature).toBe(true);
    expect(resolveOptions({ ...required, clientSecret: 's3cret', verifyTokenSignature: false }).verifyTokenSignature).toBe(false);
  });

  it('derives endpoints from an Experience Cloud loginURL and lets explicit URLs win', () => {
    const options = resolveOptions({
      ...required,
      loginURL: 'https://acme.my.site.com/partners/',
      tokenURL: 'https://acme.my.salesforce.com/services/oauth2/token',
    });
    expect(options.login.authorizationURL.href).toBe('https://acme.my.site.com/partners/services/oauth2/authorize');
    expect(options.login.tokenURL.href).toBe('https://acme.my.salesforce.com/services/oauth2/token');
    expect(options.login.revokeURL.href).toBe('https://acme.my.site.com/partners/services/oauth2/revoke');
    expect(options.login.origins).toEqual(['https://acme.my.site.com', 'https://acme.my.salesforce.com']);
  });

  it('allows only the configured loginURL when allowedLoginURLs is absent', () => {
    const { isAllowedLoginURL } = resolveOptions({ ...required, loginURL: 'https://acme.my.salesforce.com/' });
    expect(isAllowedLoginURL(new URL('https://acme.my.salesforce.com'))).toBe('allowed');
    expect(isAllowedLoginURL(new URL('https://other.my.salesforce.com'))).toBe('not-listed');
  });

  it('matches allowedLoginURLs strings exactly and RegExps against the base without trailing slash', () => {
    const { isAllowedLoginURL } = resolveOptions({
      ...required,
      allowedLoginURLs: ['https://beta.my.salesforce.com/', /^https:\/\/[a-z0-9-]+\.my\.salesforce\.com$/g],
    });
    expect(isAllowedLoginURL(new URL('https://beta.my.salesforce.com'))).toBe('allowed');
    expect(isAllowedLoginURL(new URL('https://acme.my.salesforce.com'))).toBe('allowed');
    expect(isAllowedLoginURL(new URL('https://acme.my.salesforce.com'))).toBe('allowed');
    expect(isAllowedLoginURL(new URL('https://acme.my.salesforce.com.evil.example'))).toBe('not-listed');
    expect(isAllowedLoginURL(new URL('https://acme.my.salesforce.com/path'))).toBe('not-listed');
    expect(isAllowedLoginURL(new URL('https://login.salesforce.com'))).toBe('allowed');
  });

  it('lets an exact string name a custom domain, and a RegExp or function admit only Salesforce hosts', () => {
    const { isAllowedLoginURL } = resolveOptions({ ...required, allowedLoginURLs: ['https://login.acme.com', /acme/] });
    expect(isAllowedLoginURL(new URL('https://login.acme.com'))).toBe('allowed');
    expect(isAllowedLoginURL(new URL('https://acme.my.salesforce.com'))).toBe('allowed');
    expect(isAllowedLoginURL(new URL('https://sso.acme.com'))).toBe('not-salesforce');
    expect(isAllowedLoginURL(new URL('https://acme.my.salesforce.com.evil.example'))).toBe('not-salesforce');
    const everything = resolveOptions({ ...required, allowedLoginURLs: () => true }).isAllowedLoginURL;
    expect(everything(new URL('https://acme.my.site.com/partners'))).toBe('allowed');
    expect(everything(new URL('http://127.0.0.1:4000'))).toBe('not-salesforce');
    expect(everything(new URL('https://evilsalesforce.com'))).toBe('not-salesforce');
    expect(everything(new URL('https://evil.my.site.com/services/apexrest/steal'))).toBe('not-salesforce');
  });

  it('admits loopback bases by a RegExp or function only when loginURL is loopback itself, and always as an exact string', () => {
    const publicLogin = resolveOptions({ ...required, allowedLoginURLs: ['http://127.0.0.1:4000', /.*/] }).isAllowedLoginURL;
    expect(publicLogin(new URL('http://127.0.0.1:4000'))).toBe('allowed');
    expect(publicLogin(new URL('http://127.0.0.1:4001'))).toBe('not-salesforce');
    expect(publicLogin(new URL('http://127.0.0.1:8500/x.my.salesforce.com'))).toBe('not-salesforce');
    const emulatorLogin = resolveOptions({
      ...required,
      loginURL: 'http://127.0.0.1:4000',
      allowedLoginURLs: () => true,
    }).isAllowedLoginURL;
    expect(emulatorLogin(new URL('http://127.0.0.1:4001'))).toBe('allowed');
    expect(emulatorLogin(new URL('http://localhost:4001/partners'))).toBe('allowed');
    expect(emulatorLogin(new URL('http://[::1]:9200/services/apexrest/x'))).toBe('not-salesforce');
    expect(emulatorLogin(new URL('http://127.0.0.1:4001/a/b'))).toBe('not-salesforce');
  });

  it('asks an allowedLoginURLs function, which only a literal true satisfies', () => {
    const seen: string[] = [];
    const { isAllowedLoginURL } = resolveOptions({
      ...required,
      allowedLoginURLs: (url: URL) => {
        seen.push(url.href);
        return url.hostname === 'acme.my.salesforce.com' ? true : ('yes' as unknown as boolean);
      },
    });
    expect(isAllowedLoginURL(new URL('https://acme.my.salesforce.com'))).toBe('allowed');
    expect(isAllowedLoginURL(new URL('https://other.my.salesforce.com'))).toBe('not-listed');
    expect(seen).toEqual(['https://acme.my.salesforce.com/', 'https://other.my.salesforce.com/']);
  });

  it('joins scope arrays and strings with single spaces', () => {
    expect(resolveOptions({ ...required, scope: ['api', 'refresh_token'] }).scope).toBe('api refresh_token');
    expect(resolveOptions({ ...required, scope: 'api  refresh_token' }).scope).toBe('api refresh_token');
    expect(normaliseScope([])).toBeUndefined();
  });

  it.each([
    [undefined, 'SalesforcePkceStrategy: options must be an object with at least clientID and callbackURL'],
    [{ callbackURL: '/cb' }, "SalesforcePkceStrategy: options.clientID is required: the Connected App's consumer key"],
    [{ clientID: '', callbackURL: '/cb' }, 'SalesforcePkceStrategy: options.clientID must be a non-empty string'],
    [{ clientID: 'id' }, 'SalesforcePkceStrategy: options.callbackURL is required, e.g. "/auth/salesforce/callback"'],
    [
      { ...required, callbackURL: 'auth/callback' },
      'SalesforcePkceStrategy: options.callbackURL must be an absolute http(s) URL or a path starting with "/"',
    ],
    [
      { ...required, callbackURL: '//evil.example/cb' },
      'SalesforcePkceStrategy: options.callbackURL must be an absolute http(s) URL or a path starting with "/"',
    ],
    [
      { ...required, callbackURL: '/\\evil.example/cb' },
      'SalesforcePkceStrategy: options.callbackURL must be an absolute http(s) URL or a path starting with "/"',
    ],
    [
      { ...required, callbackURL: 'javascript:alert(1)' },
      'SalesforcePkceStrategy: options.callbackURL must be an absolute http(s) URL or a path starting with "/"',
    ],
    [{ ...required, clientSecret: 42 }, 'SalesforcePkceStrategy: options.clientSecret must be a non-empty string'],
    [
      { ...required, loginURL: 'http://login.salesforce.com' },
      'SalesforcePkceStrategy: options.loginURL must use https: (http: is accepted only for localhost and 127.0.0.1)',
    ],
    [
      { ...required, authorizationURL: 'nope' },
      'SalesforcePkceStrategy: options.authorizationURL must be an absolute URL such as https://login.salesforce.com',
    ],
    [
      { ...required, tokenURL: 'https://x.example/token?a=1' },
      'SalesforcePkceStrategy: options.tokenURL must not contain a query string or fragment',
    ],
    [{ ...required, scope: 7 }, 'SalesforcePkceStrategy: options.scope must be a string or an array of strings'],
    [
      { ...required, scope: ['api', 'bad"scope'] },
      'SalesforcePkceStrategy: options.scope contains a scope with characters RFC 6749 does not allow',
    ],
    [{ ...required, requestTimeout: 0 }, 'SalesforcePkceStrategy: options.requestTimeout must be a positive integer'],
    [{ ...required, requestTimeout: 1.5 }, 'SalesforcePkceStrategy: options.requestTimeout must be a positive integer'],
    [
      { ...required, requestTimeout: 2 ** 31 },
      'SalesforcePkceStrategy: options.requestTimeout must be at most 2147483647 (about 24.8 days), the longest timer Node.js keeps',
    ],
    [
      { ...required, requestTimeout: 1e12 },
      'SalesforcePkceStrategy: options.requestTimeout must be at most 2147483647 (about 24.8 days), the longest timer Node.js keeps',
    ],
    [{ ...required, pendingLoginTtl: -1 }, 'SalesforcePkceStrategy: options.pendingLoginTtl must be a positive number'],
    [{ ...required, pendingLoginTtl: Number.NaN }, 'SalesforcePkceStrategy: options.pendingLoginTtl must be a positive number'],
    [{ ...required, maxPendingLogins: '10' }, 'SalesforcePkceStrategy: options.maxPendingLogins must be a positive integer'],
    [
      { ...required, verifyTokenSignature: true },
      'SalesforcePkceStrategy: options.verifyTokenSignature needs options.clientSecret: the signature is keyed with the consumer secret',
    ],
    [{ ...required, verifyTokenSignature: 'yes' }, 'SalesforcePkceStrategy: options.verifyTokenSignature must be true or false'],
    [
      { ...required, skipUserProfile: 1 },
      'SalesforcePkceStrategy: options.skipUserProfile must be true, false or a function (accessToken[, done])',
    ],
    [{ ...required, store: 'session' }, STORE_INTERFACE],
    [{ ...required, store: { store: () => undefined, verify: () => undefined } }, STORE_INTERFACE],
    // passport-oauth2's StateStore without PKCE: store(req, meta, callback) would lose the verifier.
    [
      {
        ...required,
        store: {
          store: (_req: unknown, _meta: unknown, _cb: unknown) => undefined,
          verify: (_req: unknown, _handle: unknown, _cb: unknown) => undefined,
        },
      },
      STORE_INTERFACE,
    ],
    [
      { ...required, agent: 'http://proxy.example:3128' },
      'SalesforcePkceStrategy: options.agent must be an http.Agent or https.Agent, e.g. new HttpsProxyAgent(process.env.HTTPS_PROXY)',
    ],
    [
      { ...required, agent: { keepAlive: true } },
      'SalesforcePkceStrategy: options.agent must be an http.Agent or https.Agent, e.g. new HttpsProxyAgent(process.env.HTTPS_PROXY)',
    ],
    [{ ...required, name: '' }, 'SalesforcePkceStrategy: options.name must be a non-empty string'],
    [{ ...required, sessionKey: [] }, 'SalesforcePkceStrategy: options.sessionKey must be a non-empty string'],
    [{ ...required, trustProxy: 'true' }, 'SalesforcePkceStrategy: options.trustProxy must be true or false'],
    [{ ...required, passReqToCallback: 1 }, 'SalesforcePkceStrategy: options.passReqToCallback must be true or false'],
    [
      { ...required, allowedLoginURLs: 'https://acme.my.salesforce.com' },
      'SalesforcePkceStrategy: options.allowedLoginURLs must be an array of URL strings and RegExps, or a function (loginURL: URL) => boolean',
    ],
    [
      // A hole in a sparse array is no entry: found by the property test of hostile options.
      // eslint-disable-next-line no-sparse-arrays
      { ...required, allowedLoginURLs: [, 'https://acme.my.salesforce.com'] },
      'SalesforcePkceStrategy: options.allowedLoginURLs must be an array of URL strings and RegExps, or a function (loginURL: URL) => boolean',
    ],
    [
      { ...required, allowedLoginURLs: ['http://acme.my.salesforce.com'] },
      'SalesforcePkceStrategy: options.allowedLoginURLs must use https: (http: is accepted only for localhost and 127.0.0.1)',
    ],
    [
      { ...required, allowedLoginURLs: ['https://*.my.salesforce.com'] },
      'SalesforcePkceStrategy: options.allowedLoginURLs entry "https://*.my.salesforce.com" is matched exactly, so its * can never match; use a RegExp such as /^https:\\/\\/[a-z0-9-]+\\.my\\.salesforce\\.com$/',
    ],
    [
      { ...required, allowedLoginURLs: [/^https:\/\/login\.acme\.com$/] },
      'SalesforcePkceStrategy: options.allowedLoginURLs entry /^https:\\/\\/login\\.acme\\.com$/ can never pass: a RegExp admits only https hosts Salesforce runs; list a custom domain as the exact string "https://login.acme.com"',
    ],
  ])('rejects %j with a TypeError naming the option', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(new InvalidOptionError(message));
  });
});

describe('option names', () => {
  it.each([
    [{ loginUrl: 'https://test.salesforce.com' }, 'options.loginUrl is not an option (did you mean loginURL?)'],
    [{ clientId: 'x' }, 'options.clientId is not an option (did you mean clientID?)'],
    [{ client_secret: 's' }, 'options.client_secret is not an option (did you mean clientSecret?)'],
    [{ scopes: ['api'] }, 'options.scopes is not an option (did you mean scope?)'],
    [{ requestTimout: 5000 }, 'options.requestTimout is not an option (did you mean requestTimeout?)'],
    [{ colour: 'blue' }, 'options.colour is not an option'],
    [
      { login_hint: 'ada@example.com' },
      "options.login_hint is not a constructor option: pass loginHint to passport.authenticate('salesforce', { loginHint }) (sent as login_hint)",
    ],
    [{ loginHint: 'ada@example.com' }, "options.loginHint is an option of passport.authenticate('salesforce', { … }), per login"],
    [
      { skipPhoto: true },
      "options.skipPhoto is passport-forcedotcom's: this strategy never requests the Chatter photo (profile.photos come from the identity response), so remove it; " +
        "or keep passport-forcedotcom's options and profile with require('passport-salesforce-pkce/forcedotcom')",
    ],
    [
      { scopeSeparator: ',' },
      'options.scopeSeparator is not needed: scopes are always sent space-separated, as Salesforce requires, so remove it',
    ],
    [{ pkce: true }, 'options.pkce is not needed: PKCE (S256) is always on and cannot be turned off, so remove it'],
    [{ proxy: true }, 'options.proxy is passport-oauth2\'s: use trustProxy (or Express\'s "trust proxy" setting)'],
    [
      { profileURL: 'https://login.salesforce.com/services/oauth2/userinfo' },
      "options.profileURL is passport-salesforce's: the profile comes from the identity URL here (its fields are listed in docs/migration.md), so remove it; " +
        "or keep passport-salesforce's UserInfo profile (user_id, given_name, email…) with require('passport-salesforce-pkce/salesforce')",
    ],
    [
      { customHeaders: { 'x-a': 'b' } },
      'options.customHeaders is not supported: the strategy sends the headers Salesforce needs, so remove it',
    ],
  ])('rejects %j with a TypeError that names it and says what to write', (extra, problem) => {
    expect(() => resolveOptions({ ...required, ...extra })).toThrow(new InvalidOptionError(`SalesforcePkceStrategy: ${problem}`));
  });

  it("shows passport.authenticate() with the strategy's configured name", () => {
    expect(() => resolveOptions({ ...required, name: 'forcedotcom', loginHint: 'ada@example.com', state: true })).toThrow(
      new InvalidOptionError(
        "SalesforcePkceStrategy: options.loginHint is an option of passport.authenticate('forcedotcom', { … }), per login; " +
          "options.state is not needed: state is always on; a per-login state object goes to passport.authenticate('forcedotcom', { state }) and comes back as info.state",
      ),
    );
  });

  it('names every unknown option at once', () => {
    expect(() => resolveOptions({ ...required, loginUrl: 'https://test.salesforce.com', skipPhoto: true })).toThrow(
      new InvalidOptionError(
        "SalesforcePkceStrategy: options.loginUrl is not an option (did you mean loginURL?); options.skipPhoto is passport-forcedotcom's: this strategy never requests the Chatter photo (profile.photos come from the identity response), so remove it; " +
          "or keep passport-forcedotcom's options and profile with require('passport-salesforce-pkce/forcedotcom')",
      ),
    );
  });

  it('accepts every documented option', () => {
    const every = {
      ...required,
      clientSecret: 's3cret',
      loginURL: 'https://test.salesforce.com',
      authorizationURL: 'https://test.salesforce.com/services/oauth2/authorize',
      tokenURL: 'https://test.salesforce.com/services/oauth2/token',
      name: 'sandbox',
      scope: 'api',
      requestTimeout: 5000,
      pendingLoginTtl: 300,
      maxPendingLogins: 3,
      verifyTokenSignature: true,
      skipUserProfile: true,
      sessionKey: 'pending',
      allowedLoginURLs: [],
      trustProxy: true,
      passReqToCallback: true,
    };
    expect(resolveOptions(every).name).toBe('sandbox');
  });
});

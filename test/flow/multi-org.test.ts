import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import type { SalesforceStrategyOptions } from '../../src/options.js';
import { CLIENT_ID, startFixture, type Fixture } from '../helpers/fixture.js';

let fixture: Fixture | undefined;
let second: RunningEmulator | undefined;

afterEach(async () => {
  await fixture?.close();
  await second?.close();
  fixture = undefined;
  second = undefined;
});

/** An app whose /login?org=<base> logs in through that org, and a second org it allows. */
async function twoOrgs(allowedLoginURLs?: (url: URL) => boolean): Promise<{ f: Fixture; other: RunningEmulator }> {
  const other = await startEmulator({
    orgId: '00D5g000007OthErAA',
    users: [{ username: 'grace@other.example', firstName: 'Grace', lastName: 'Hopper' }],
  });
  second = other;
  const f = await startFixture({
    app: {
      strategy: { allowedLoginURLs: allowedLoginURLs ?? [other.url], scope: ['api', 'refresh_token'] },
      authenticateOptions: (req) => (typeof req.query.org === 'string' ? { loginURL: req.query.org } : {}),
    },
  });
  other.addApp({ clientId: CLIENT_ID, redirectUris: [`${f.app.url}/auth/salesforce/callback`] });
  fixture = f;
  return { f, other };
}

describe('multi-org logins', () => {
  it('logs into two orgs through one app by per-request loginURL', async () => {
    const { f, other } = await twoOrgs();
    const home = await f.browser().login();
    expect(home.body.user).toMatchObject({ username: 'ada@example.com', organizationId: f.emulator.orgId });

    const browser = f.browser();
    const authorizeURL = await browser.startLogin(`/login?org=${encodeURIComponent(other.url)}`);
    expect(authorizeURL.origin).toBe(other.url);
    const away = await browser.callback(await browser.authorize(authorizeURL));
    expect(away.body.user).toMatchObject({ username: 'grace@other.example', organizationId: '00D5g000007OthErAA' });
    expect(other.requestsTo('token')).toHaveLength(1);
    expect(f.emulator.requestsTo('token')).toHaveLength(1);

    const refreshToken = f.app.verifyCalls[1]?.refreshToken ?? '';
    const refreshed = await f.app.strategy.refresh(refreshToken, { loginURL: other.url });
    expect(refreshed.instanceUrl).toBe(other.url);
    await f.app.strategy.revoke(refreshed.accessToken, { loginURL: other.url });
    expect(other.requestsTo('revoke')).toHaveLength(1);
  });

  it('uses the login base stored with the pending login, whatever the callback query says', async () => {
    const { f, other } = await twoOrgs();
    const browser = f.browser();
    const callbackURL = await browser.authorize(await browser.startLogin(`/login?org=${encodeURIComponent(other.url)}`));
    callbackURL.searchParams.set('loginURL', f.emulator.url);
    callbackURL.searchParams.set('iss', f.emulator.url);
    expect((await browser.callback(callbackURL)).body.outcome).toBe('success');
    expect(other.requestsTo('token')).toHaveLength(1);
    expect(f.emulator.requests).toHaveLength(0);
  });

  it('asks an allowedLoginURLs function', async () => {
    const asked: string[] = [];
    const { f, other } = await twoOrgs((url) => {
      asked.push(url.href);
      return url.port === new URL(other.url).port;
    });
    expect((await f.browser().login(`/login?org=${encodeURIComponent(`${other.url}/`)}`)).body.outcome).toBe('success');
    expect(asked).toEqual([`${other.url}/`, `${other.url}/`]);
  });

  it.each([
    ['a host outside the allow-list', 'https://evil.example', 'loginURL https://evil.example is not in allowedLoginURLs'],
    ['a plain-http host', 'http://acme.my.salesforce.com', 'loginURL must use https: (http: is accepted only for localhost and 127.0.0.1)'],
    ['something that is no URL', 'acme', 'loginURL must be an absolute URL such as https://login.salesforce.com'],
    [
      'a URL longer than 2048 characters (slashes followed by another character, the input of quadratic regexes)',
      `https://acme${'/'.repeat(4_000)}x.my.salesforce.com`,
      'loginURL must be a URL of at most 2048 characters',
    ],
  ])('refuses %s before any redirect', async (_label, loginURL, message) => {
    const { f, other } = await twoOrgs();
    const response = await f.browser().agent.get(`/login?org=${encodeURIComponent(loginURL)}`);
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(f.emulator.requests).toHaveLength(0);
    expect(other.requests).toHaveLength(0);
    expect(response.body).toEqual({ outcome: 'failure', info: { message } });
  });
});

/**
 * RFC 9700 §4.4: an allow-list that admits one host Salesforce does not run lets an attacker
 * start a victim's login at their own "authorization server", bounce it to the real org, and
 * receive the code, verifier and consumer secret at the token endpoint the app stored. Two easy
 * mistakes, each refused by the strategy's own check whatever the pattern says.
 */
describe('allow-list mistakes cannot admit a host Salesforce does not run (RFC 9700 §4.4 mix-up)', () => {
  it.each<[string, SalesforceStrategyOptions['allowedLoginURLs'], string]>([
    ['an unanchored RegExp', [/^https:\/\/[a-z0-9-]+\.my\.salesforce\.com/], 'https://acme.my.salesforce.com.evil.example'],
    ["a function testing endsWith('salesforce.com')", (url: URL) => url.hostname.endsWith('salesforce.com'), 'https://evilsalesforce.com'],
  ])('%s: refuses the attacker host before any redirect, and still admits a real My Domain', async (_label, allowedLoginURLs, attacker) => {
    const f = (fixture = await startFixture({
      app: {
        strategy: { clientSecret: 'E3F1C0D2A9B87F14C6D83E0B5A2F9C4D', allowedLoginURLs },
        authenticateOptions: (req) => (typeof req.query.org === 'string' ? { loginURL: req.query.org } : {}),
      },
    }));
    const refused = await f.browser().agent.get(`/login?org=${encodeURIComponent(attacker)}`);
    expect(refused.status).toBe(400);
    expect(refused.headers.location).toBeUndefined();
    expect(refused.body).toEqual({
      outcome: 'failure',
      info: {
        message: `loginURL ${attacker} is not a Salesforce login host; a custom domain must be listed in allowedLoginURLs as an exact URL`,
      },
    });
    await expect(f.app.strategy.refresh('5Aep861.refresh', { loginURL: attacker })).rejects.toMatchObject({
      name: 'LoginURLNotAllowedError',
      code: 'LOGIN_URL_NOT_ALLOWED',
    });
    expect(f.emulator.requests).toHaveLength(0);

    const admitted = await f.browser().agent.get(`/login?org=${encodeURIComponent('https://acme.my.salesforce.com')}`);
    expect(admitted.status).toBe(302);
    expect(new URL(admitted.headers.location as string).href).toMatch(
      /^https:\/\/acme\.my\.salesforce\.com\/services\/oauth2\/authorize\?/,
    );
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { SalesforcePkceStrategy, type SalesforceStrategyOptions } from '../../src/index.js';
import { Browser } from '../helpers/browser.js';
import { SITE_CLIENT_ID, startSite, type Site, type SiteOptions } from '../helpers/site.js';

let site: Site | undefined;

afterEach(async () => {
  await site?.close();
  site = undefined;
});

function siteWith(strategy: Partial<SalesforceStrategyOptions>, options: Omit<SiteOptions, 'strategy'> = {}): Promise<Site> {
  return startSite({
    ...options,
    strategy: (loginURL) =>
      new SalesforcePkceStrategy(
        { clientID: SITE_CLIENT_ID, loginURL, callbackURL: '/auth/salesforce/callback', ...strategy },
        (accessToken, refreshToken, params, profile, done) => done(null, { name: profile.displayName }),
      ),
  });
}

describe.each([4, 5] as const)('a login router mounted under a path, on Express %i', (express) => {
  it('refuses a callbackURL path outside the mount point at the first login, saying what to write', async () => {
    site = await siteWith({}, { express, mount: '/portal' });
    const response = await new Browser(site.url).agent.get('/portal/auth/salesforce');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      name: 'InvalidOptionError',
      message:
        'SalesforcePkceStrategy: options.callbackURL "/auth/salesforce/callback" is a path from the site\'s root, but this login runs in a router mounted at "/portal": ' +
        'write callbackURL: "/portal/auth/salesforce/callback" when the callback route is in that router too, or an absolute URL',
    });
    expect(site.emulator.requests).toEqual([]);
  });

  it('logs in with the callbackURL the error asks for', async () => {
    site = await siteWith({ callbackURL: '/portal/auth/salesforce/callback' }, { express, mount: '/portal' });
    const browser = new Browser(site.url);
    const authorizeURL = await browser.startLogin('/portal/auth/salesforce');
    expect(authorizeURL.searchParams.get('redirect_uri')).toBe(`${site.url}/portal/auth/salesforce/callback`);
    const callback = await browser.callback(await browser.authorize(authorizeURL));
    expect([callback.status, callback.headers.location]).toEqual([302, '/portal/']);
    expect((await browser.agent.get('/portal/')).body).toEqual({ user: { name: 'Ada Lovelace' } });
  });
});

describe('trustProxy with a secure session cookie', () => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example.com' };

  /** Starts a login as a request through a TLS-terminating proxy; resolves to the answer and the process warnings it caused. */
  async function startLoginThroughProxy(
    target: Site,
  ): Promise<{ status: number; setCookie: unknown; warnings: Array<{ code: unknown; message: string }> }> {
    // Captured, not printed: the warning is what this test expects, not a problem of the run.
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const browser = new Browser(target.url);
      const first = await browser.agent.get('/auth/salesforce').set(forwarded);
      await browser.agent.get('/auth/salesforce').set(forwarded);
      const warnings = emitWarning.mock.calls.map(([message, options]) => ({
        code: (options as { code?: unknown } | undefined)?.code,
        message: String(message),
      }));
      return { status: first.status, setCookie: first.headers['set-cookie'], warnings };
    } finally {
      emitWarning.mockRestore();
    }
  }

  it('warns once when Express does not trust the proxy, since then the session cookie is never sent', async () => {
    site = await siteWith({ trustProxy: true }, { secureCookie: true });
    const { status, setCookie, warnings } = await startLoginThroughProxy(site);
    expect([status, setCookie]).toEqual([302, undefined]);
    expect(warnings).toEqual([
      {
        code: 'SALESFORCE_PKCE_UNTRUSTED_PROXY',
        message:
          'SalesforcePkceStrategy: trustProxy is true and the request came through a proxy over https, but Express does not trust that proxy, ' +
          'so the session middleware will not send its secure cookie and the login will fail ("This login is unknown…"): ' +
          "set app.set('trust proxy', …) for the proxy (express-session's proxy: true also does)",
      },
    ]);
  });

  it('is quiet, and the secure cookie is sent, when Express trusts the proxy', async () => {
    site = await siteWith({ trustProxy: true }, { secureCookie: true, trustProxy: 'loopback' });
    const { status, setCookie, warnings } = await startLoginThroughProxy(site);
    expect(status).toBe(302);
    expect(setCookie).toEqual([expect.stringMatching(/^app\.sid=.*; Secure/)]);
    expect(warnings).toEqual([]);
  });
});

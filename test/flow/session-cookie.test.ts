/**
 * A session cookie the browser cannot send back on Salesforce's redirect: `sameSite: 'strict'`.
 * The browser here behaves as a real one does: on the cross-site navigation from Salesforce to
 * the callback it leaves a strict cookie out and says `Sec-Fetch-Site: cross-site`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SalesforcePkceStrategy } from '../../src/index.js';
import { Browser } from '../helpers/browser.js';
import { SITE_CLIENT_ID, startSite, type Site, type SessionMiddleware } from '../helpers/site.js';

let site: Site | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await site?.close();
  site = undefined;
});

function siteWith(session: SessionMiddleware, sameSite: 'lax' | 'strict'): Promise<Site> {
  return startSite({
    session,
    sameSite,
    strategy: (loginURL) =>
      new SalesforcePkceStrategy(
        { clientID: SITE_CLIENT_ID, loginURL, callbackURL: '/auth/salesforce/callback' },
        (accessToken, refreshToken, params, profile, done) => done(null, { name: profile.displayName }),
      ),
  });
}

/** Logs in as a browser does with this cookie: a strict one stays behind on the way back from Salesforce. */
async function logIn(target: Site, sameSite: 'lax' | 'strict'): Promise<{ status: number; location: unknown }> {
  const browser = new Browser(target.url);
  const callbackURL = await browser.authorize(await browser.startLogin('/auth/salesforce'));
  const callback =
    sameSite === 'strict'
      ? await new Browser(target.url).callback(callbackURL).set('sec-fetch-site', 'cross-site')
      : await browser.callback(callbackURL).set('sec-fetch-site', 'cross-site');
  return { status: callback.status, location: callback.headers.location };
}

const STRICT_WARNING =
  "SalesforcePkceStrategy: the session cookie is set with sameSite: 'strict', which browsers do not send when Salesforce " +
  'redirects back to your callback, so the login came back without its session and failed ("This login is unknown…"): ' +
  "set the session cookie's sameSite to 'lax'";

describe.each(['express-session', 'cookie-session'] as const)("a %s cookie with sameSite: 'strict'", (session) => {
  it('fails the login and warns once, naming the cause and the fix', async () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    site = await siteWith(session, 'strict');
    expect(await logIn(site, 'strict')).toEqual({ status: 302, location: '/failed' });
    expect(await logIn(site, 'strict')).toEqual({ status: 302, location: '/failed' });
    expect(emitWarning.mock.calls).toEqual([[STRICT_WARNING, { code: 'SALESFORCE_PKCE_STRICT_SESSION_COOKIE' }]]);
  });
});

describe.each(['express-session', 'cookie-session'] as const)("a %s cookie with sameSite: 'lax'", (session) => {
  it('logs in, and a reloaded callback fails without the warning', async () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    site = await siteWith(session, 'lax');
    const browser = new Browser(site.url);
    const callbackURL = await browser.authorize(await browser.startLogin('/auth/salesforce'));
    expect((await browser.callback(callbackURL).set('sec-fetch-site', 'cross-site')).headers.location).toBe('/');
    expect((await browser.callback(callbackURL).set('sec-fetch-site', 'cross-site')).headers.location).toBe('/failed');
    expect(emitWarning).not.toHaveBeenCalled();
  });
});

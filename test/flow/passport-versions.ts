/**
 * The README's app on one passport version (each version in its own test file, so its own
 * process: passport 0.4 patches Node's IncomingMessage when it is loaded, and every later version
 * would then use 0.4's req.logIn), on Express 4 and 5, with express-session and with
 * cookie-session: login, two tabs, denial, the README's logout route, and a planted session id.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { SalesforcePkceStrategy } from '../../src/index.js';
import type { EmulatorOptions } from 'salesforce-oauth-emulator';
import { Browser } from '../helpers/browser.js';
import { PASSPORT_PACKAGES, SITE_CLIENT_ID, startSite, type PassportVersion, type Site, type SessionMiddleware } from '../helpers/site.js';

const require = createRequire(import.meta.url);

function readmeSite(passport: PassportVersion, express: 4 | 5, session: SessionMiddleware, emulator?: EmulatorOptions): Promise<Site> {
  return startSite({
    passport,
    express,
    session,
    emulator,
    strategy: (loginURL) =>
      new SalesforcePkceStrategy(
        { clientID: SITE_CLIENT_ID, loginURL, callbackURL: '/auth/salesforce/callback', scope: ['api', 'refresh_token'] },
        (accessToken, refreshToken, params, profile, done) => done(null, { name: profile.displayName, accessToken, refreshToken }),
      ),
  });
}

const ADA = { name: 'Ada Lovelace', accessToken: expect.any(String), refreshToken: expect.any(String) };

export function describePassportVersion(version: PassportVersion): void {
  let site: Site | undefined;

  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it(`runs where only passport ${version} can have patched Node's request`, () => {
    require(PASSPORT_PACKAGES[version]);
    const patched = version === '0.4' ? (require('passport04/lib/http/request') as { logIn: unknown }).logIn : undefined;
    expect((http.IncomingMessage.prototype as { logIn?: unknown }).logIn).toBe(patched);
  });

  describe.each([
    [4, 'express-session'],
    [5, 'express-session'],
    [4, 'cookie-session'],
    [5, 'cookie-session'],
  ] as const)(`passport ${version} on Express %i with %s`, (expressVersion, sessionMiddleware) => {
    it('logs in', async () => {
      site = await readmeSite(version, expressVersion, sessionMiddleware);
      const browser = new Browser(site.url);
      const callback = await browser.login('/auth/salesforce');
      expect([callback.status, callback.headers.location]).toEqual([302, '/']);
      expect((await browser.agent.get('/')).body).toEqual({ user: ADA });
    });

    it('finishes two tabs of one browser in either order', async () => {
      site = await readmeSite(version, expressVersion, sessionMiddleware);
      const browser = new Browser(site.url);
      const first = await browser.authorize(await browser.startLogin('/auth/salesforce'));
      const second = await browser.authorize(await browser.startLogin('/auth/salesforce'));
      const secondCallback = await browser.callback(second);
      const firstCallback = await browser.callback(first);
      expect([secondCallback.headers.location, firstCallback.headers.location]).toEqual(['/', '/']);
      expect((await browser.agent.get('/')).body).toEqual({ user: ADA });
      expect(site.emulator.requestsTo('token')).toHaveLength(2);
    });

    it("fails a denied login with Salesforce's words and logs nobody in", async () => {
      site = await readmeSite(version, expressVersion, sessionMiddleware, { users: [{ username: 'ada@example.com', decision: 'deny' }] });
      const browser = new Browser(site.url);
      const callback = await browser.login('/auth/salesforce');
      expect([callback.status, callback.headers.location]).toEqual([302, '/failed']);
      expect((await browser.agent.get('/failed')).body).toEqual({ messages: ['end-user denied authorization'] });
      expect((await browser.agent.get('/')).body).toEqual({ user: null });
    });

    it("logs out with the README's route, revoking the refresh token", async () => {
      site = await readmeSite(version, expressVersion, sessionMiddleware);
      const browser = new Browser(site.url);
      await browser.login('/auth/salesforce');
      const logout = await browser.agent.post('/logout');
      expect([logout.status, logout.headers.location]).toEqual([302, '/']);
      expect((await browser.agent.get('/')).body).toEqual({ user: null });
      expect(site.emulator.requestsTo('revoke')).toHaveLength(1);
    });

    it('does not log in a session cookie planted before the login', async () => {
      site = await readmeSite(version, expressVersion, sessionMiddleware);
      const attacker = new Browser(site.url);
      await attacker.startLogin('/auth/salesforce');
      const planted = attacker.cookies();
      expect(planted).toContain('app.sid=');
      const victim = new Browser(site.url);
      victim.plantCookies(planted);
      await victim.login('/auth/salesforce');
      expect((await victim.agent.get('/')).body).toEqual({ user: ADA });
      expect(victim.cookies()).not.toBe(planted);
      expect((await attacker.agent.get('/')).body).toEqual({ user: null });
    });
  });
}

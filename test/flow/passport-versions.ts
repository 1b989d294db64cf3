/**
 * The README's app on one passport version (each version in its own test file, so its own
 * process: passport 0.4 patches Node's IncomingMessage when it is loaded, and every later version
 * would then use 0.4's req.logIn), on Express 4 and 5, with express-session and with
 * cookie-session: login, two tabs, denial, the README's logout route, and a planted session id.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import express5, { type RequestHandler } from 'express';
import expressSession from 'express-session';
import type { PassportStatic } from 'passport';
import { afterEach, describe, expect, it } from 'vitest';
import { logOut, SalesforcePkceStrategy } from '../../src/index.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { Browser } from '../helpers/browser.js';

const require = createRequire(import.meta.url);

export type PassportVersion = '0.4' | '0.5' | '0.6' | '0.7';

const PASSPORT_PACKAGES: Record<PassportVersion, string> = { '0.4': 'passport04', '0.5': 'passport05', '0.6': 'passport06', '0.7': 'passport' };
const EXPRESSES = { 4: require('express4') as typeof express5, 5: express5 };
const SESSIONS = {
  'express-session': (): RequestHandler => expressSession({ secret: 'test-secret', resave: false, saveUninitialized: false, name: 'app.sid' }),
  'cookie-session': (): RequestHandler => (require('cookie-session') as (options: { name: string; keys: string[] }) => RequestHandler)({ name: 'app.sid', keys: ['test-key'] }),
};
type SessionMiddleware = keyof typeof SESSIONS;

const CLIENT_ID = '3MVG9passport.versions';

interface Site {
  url: string;
  emulator: RunningEmulator;
  close(): Promise<void>;
}

/** The README's CommonJS quick start, with its logout route, on the given passport, Express and session middleware. */
async function startSite(passportPackage: string, expressVersion: 4 | 5, sessionMiddleware: SessionMiddleware, emulatorOptions: EmulatorOptions = {}): Promise<Site> {
  const emulator = await startEmulator(emulatorOptions);
  const { Passport } = require(passportPackage) as { Passport: new () => PassportStatic };
  const passport = new Passport();
  const strategy = new SalesforcePkceStrategy(
    { clientID: CLIENT_ID, loginURL: emulator.url, callbackURL: '/auth/salesforce/callback', scope: ['api', 'refresh_token'] },
    (accessToken, refreshToken, params, profile, done) => done(null, { name: profile.displayName, accessToken, refreshToken }),
  );
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const app = EXPRESSES[expressVersion]();
  app.use(SESSIONS[sessionMiddleware]());
  app.use(passport.initialize());
  app.use(passport.session());
  app.get('/', (req, res) => {
    res.json({ user: req.user ?? null });
  });
  app.get('/auth/salesforce', passport.authenticate('salesforce'));
  app.get('/auth/salesforce/callback', passport.authenticate('salesforce', { failureRedirect: '/failed', failureMessage: true }), (req, res) => res.redirect('/'));
  app.get('/failed', (req, res) => {
    res.json({ messages: (req.session as { messages?: unknown } | null | undefined)?.messages ?? null });
  });
  app.post('/logout', async (req, res, next) => {
    try {
      const user = req.user as { accessToken?: string; refreshToken?: string } | undefined;
      const token = user?.refreshToken ?? user?.accessToken;
      if (token) await strategy.revoke(token);
      await logOut(req);
      res.redirect('/');
    } catch (error) {
      next(error);
    }
  });

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.addApp({ clientId: CLIENT_ID, redirectUris: [`${url}/auth/salesforce/callback`] });
  return {
    url,
    emulator,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await emulator.close();
    },
  };
}

const ADA = { name: 'Ada Lovelace', accessToken: expect.any(String), refreshToken: expect.any(String) };

export function describePassportVersion(version: PassportVersion): void {
  const passportPackage = PASSPORT_PACKAGES[version];
  let site: Site | undefined;

  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it(`runs where only passport ${version} can have patched Node's request`, () => {
    require(passportPackage);
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
      site = await startSite(passportPackage, expressVersion, sessionMiddleware);
      const browser = new Browser(site.url);
      const callback = await browser.login('/auth/salesforce');
      expect([callback.status, callback.headers.location]).toEqual([302, '/']);
      expect((await browser.agent.get('/')).body).toEqual({ user: ADA });
    });

    it('finishes two tabs of one browser in either order', async () => {
      site = await startSite(passportPackage, expressVersion, sessionMiddleware);
      const browser = new Browser(site.url);
      const first = await browser.authorize(await browser.startLogin('/auth/salesforce'));
      const second = await browser.authorize(await browser.startLogin('/auth/salesforce'));
      const secondCallback = await browser.callback(second);
      const firstCallback = await browser.callback(first);
      expect([secondCallback.headers.location, firstCallback.headers.location]).toEqual(['/', '/']);
      expect((await browser.agent.get('/')).body).toEqual({ user: ADA });
      expect(site.emulator.requestsTo('token')).toHaveLength(2);
    });

    it('fails a denied login with Salesforce\'s words and logs nobody in', async () => {
      site = await startSite(passportPackage, expressVersion, sessionMiddleware, { users: [{ username: 'ada@example.com', decision: 'deny' }] });
      const browser = new Browser(site.url);
      const callback = await browser.login('/auth/salesforce');
      expect([callback.status, callback.headers.location]).toEqual([302, '/failed']);
      expect((await browser.agent.get('/failed')).body).toEqual({ messages: ['end-user denied authorization'] });
      expect((await browser.agent.get('/')).body).toEqual({ user: null });
    });

    it('logs out with the README\'s route, revoking the refresh token', async () => {
      site = await startSite(passportPackage, expressVersion, sessionMiddleware);
      const browser = new Browser(site.url);
      await browser.login('/auth/salesforce');
      const logout = await browser.agent.post('/logout');
      expect([logout.status, logout.headers.location]).toEqual([302, '/']);
      expect((await browser.agent.get('/')).body).toEqual({ user: null });
      expect(site.emulator.requestsTo('revoke')).toHaveLength(1);
    });

    it('does not log in a session cookie planted before the login', async () => {
      site = await startSite(passportPackage, expressVersion, sessionMiddleware);
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

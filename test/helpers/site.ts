import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express5, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import expressSession from 'express-session';
import type { PassportStatic, Strategy } from 'passport';
import { logOut } from '../../src/index.js';
import { startEmulator, type EmulatorConnectedApp, type EmulatorOptions, type RunningEmulator } from 'salesforce-oauth-emulator';

const require = createRequire(import.meta.url);

export type PassportVersion = '0.4' | '0.5' | '0.6' | '0.7';
export type SessionMiddleware = 'express-session' | 'cookie-session';

/** The package each passport version is installed as (npm aliases). */
export const PASSPORT_PACKAGES: Record<PassportVersion, string> = {
  '0.4': 'passport04',
  '0.5': 'passport05',
  '0.6': 'passport06',
  '0.7': 'passport',
};
const EXPRESSES = { 4: require('express4') as typeof express5, 5: express5 };

export const SITE_CLIENT_ID = '3MVG9readme.style.site';

export interface SiteOptions {
  /** Builds the strategy the site uses, with the emulator's URL as its login base. */
  strategy: (loginURL: string) => Strategy & { revoke?: (token: string) => Promise<void> };
  passport?: PassportVersion;
  express?: 4 | 5;
  session?: SessionMiddleware;
  /** The session cookie's `secure` flag. Default: `false`. */
  secureCookie?: boolean;
  /** The session cookie's `sameSite`. Default: the middleware's (none set). */
  sameSite?: 'lax' | 'strict';
  /** Express's `trust proxy` setting. Default: not set. */
  trustProxy?: string | boolean;
  /** The login routes live in a router mounted at this path. Default: on the app itself. */
  mount?: string;
  emulator?: EmulatorOptions;
  /** Connected App fields besides clientId and redirectUris. */
  connectedApp?: Partial<EmulatorConnectedApp>;
}

export interface Site {
  url: string;
  emulator: RunningEmulator;
  close(): Promise<void>;
}

function sessionMiddleware(kind: SessionMiddleware, secure: boolean, sameSite: 'lax' | 'strict' | undefined): RequestHandler {
  const cookie = { secure, ...(sameSite === undefined ? {} : { sameSite }) };
  if (kind === 'cookie-session') {
    const cookieSession = require('cookie-session') as (options: { name: string; keys: string[]; secure: boolean }) => RequestHandler;
    return cookieSession({ name: 'app.sid', keys: ['test-key'], ...cookie });
  }
  return expressSession({ secret: 'test-secret', resave: false, saveUninitialized: false, name: 'app.sid', cookie });
}

/**
 * The README's app against a fresh emulator: express-session or cookie-session, passport's
 * session, and under `mount` (or the root) `/` (the user as JSON), `/auth/salesforce`, its
 * callback (failures to `/failed`, which shows the failure messages) and the README's logout
 * route, `POST /logout`. Errors answer 500 with their name and message as JSON.
 */
export async function startSite(options: SiteOptions): Promise<Site> {
  const emulator = await startEmulator(options.emulator);
  const { Passport } = require(PASSPORT_PACKAGES[options.passport ?? '0.7']) as { Passport: new () => PassportStatic };
  const passport = new Passport();
  const strategy = options.strategy(emulator.url);
  const name = strategy.name ?? 'salesforce';
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  const express = EXPRESSES[options.express ?? 5];
  const app = express();
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use(sessionMiddleware(options.session ?? 'express-session', options.secureCookie ?? false, options.sameSite));
  app.use(passport.initialize());
  app.use(passport.session());
  const routes = options.mount === undefined ? app : express.Router();
  const mount = options.mount ?? '';
  routes.get('/', (req, res) => {
    res.json({ user: req.user ?? null });
  });
  routes.get('/auth/salesforce', passport.authenticate(name));
  routes.get(
    '/auth/salesforce/callback',
    passport.authenticate(name, { failureRedirect: `${mount}/failed`, failureMessage: true }),
    (req, res) => res.redirect(`${mount}/`),
  );
  routes.get('/failed', (req, res) => {
    res.json({ messages: (req.session as { messages?: unknown } | null | undefined)?.messages ?? null });
  });
  routes.post('/logout', async (req, res, next) => {
    try {
      const user = req.user as { accessToken?: string; refreshToken?: string } | undefined;
      const token = user?.refreshToken ?? user?.accessToken;
      if (token && strategy.revoke) await strategy.revoke(token);
      await logOut(req);
      res.redirect(`${mount}/`);
    } catch (error) {
      next(error);
    }
  });
  if (options.mount !== undefined) app.use(options.mount, routes);
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ name: err.name, message: err.message });
  });

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.addApp({ clientId: SITE_CLIENT_ID, redirectUris: [`${url}${mount}/auth/salesforce/callback`], ...options.connectedApp });
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

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express5, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { Passport, type AuthenticateOptions } from 'passport';
import { SalesforcePkceStrategy, type SalesforceAuthenticateOptions, type SalesforceVerifyFunctionWithParams } from '../../src/index.js';
import type { SalesforceStrategyOptions } from '../../src/options.js';

const require = createRequire(import.meta.url);
const express4 = require('express4') as typeof express5;

/** One call of the verify callback, as the app saw it. */
export interface VerifyCall {
  accessToken: string;
  refreshToken: string | undefined;
  params: Record<string, unknown>;
  profile: Record<string, unknown>;
}

export interface TestApp {
  url: string;
  strategy: SalesforcePkceStrategy;
  verifyCalls: VerifyCall[];
  /** Errors that reached Express's error handler. */
  errors: Error[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  expressVersion?: 4 | 5;
  strategy: Omit<SalesforceStrategyOptions, 'callbackURL'> & { callbackURL?: string };
  /** Per-request authenticate options, from the /login request. */
  authenticateOptions?: (req: Request) => SalesforceAuthenticateOptions;
  /** Per-request authenticate options of the callback. */
  callbackOptions?: (req: Request) => SalesforceAuthenticateOptions;
  /** Replaces the recording verify callback. */
  verify?: SalesforceVerifyFunctionWithParams;
  /** A subclass of the strategy to construct instead. */
  strategyClass?: new (options: SalesforceStrategyOptions, verify: SalesforceVerifyFunctionWithParams) => SalesforcePkceStrategy;
  /** Leave express-session out; the callback then answers without logging the user into a session. */
  withoutSession?: boolean;
  /** express-session's store. Default: its MemoryStore. */
  sessionStore?: session.Store;
  /** Port to listen on (127.0.0.1). Default: any free one. */
  port?: number;
}

/**
 * A real Express app with express-session and passport, listening on 127.0.0.1, whose callback
 * answers JSON describing the outcome so tests can assert on it.
 */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const express = options.expressVersion === 4 ? express4 : express5;
  const app: Express = express();
  const passport = new Passport();
  const verifyCalls: VerifyCall[] = [];
  const errors: Error[] = [];
  const verify: SalesforceVerifyFunctionWithParams = (accessToken, refreshToken, params, profile, done) => {
    verifyCalls.push({ accessToken, refreshToken, params, profile: profile as unknown as Record<string, unknown> });
    done(null, { id: profile.id, username: profile.username, organizationId: profile.organizationId });
  };
  const Strategy = options.strategyClass ?? SalesforcePkceStrategy;
  const strategy = new Strategy({ callbackURL: '/auth/salesforce/callback', ...options.strategy }, options.verify ?? verify);
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));

  if (!options.withoutSession) {
    app.use(
      session({
        secret: 'test-secret',
        resave: false,
        saveUninitialized: false,
        name: 'app.sid',
        ...(options.sessionStore ? { store: options.sessionStore } : {}),
      }),
    );
  }
  app.use(passport.initialize());
  if (!options.withoutSession) app.use(passport.session());

  app.get('/login', (req, res, next) => {
    // passport's AuthenticateOptions types `state` as a string; this strategy also takes JSON.
    const authenticateOptions = (options.authenticateOptions?.(req) ?? {}) as AuthenticateOptions;
    passport.authenticate(strategy.name, authenticateOptions, (err: unknown, _user: unknown, info: unknown, status: unknown) => {
      if (err) next(err);
      else res.status(typeof status === 'number' ? status : 401).json({ outcome: 'failure', info });
    })(req, res, next);
  });
  app.get('/auth/salesforce/callback', (req, res, next) => {
    const callbackOptions = (options.callbackOptions?.(req) ?? {}) as AuthenticateOptions;
    passport.authenticate(strategy.name, callbackOptions, (err: unknown, user: Express.User | false, info: unknown, status: unknown) => {
      if (err) {
        next(err);
        return;
      }
      if (!user) {
        res.status(typeof status === 'number' ? status : 401).json({ outcome: 'failure', info });
        return;
      }
      if (options.withoutSession) {
        res.json({ outcome: 'success', user, info });
        return;
      }
      req.logIn(user, (loginError) => {
        if (loginError) next(loginError);
        else res.json({ outcome: 'success', user, info });
      });
    })(req, res, next);
  });
  app.get('/me', (req, res) => {
    const sessionData = (req as Request & { session?: Record<string, unknown> }).session;
    res.json({ user: req.user ?? null, session: sessionData ? JSON.parse(JSON.stringify(sessionData)) : null });
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    errors.push(err);
    const fields = err as Error & { code?: unknown; error?: unknown; error_description?: unknown };
    res.status(500).json({
      outcome: 'error',
      name: err.name,
      code: fields.code,
      message: err.message,
      error: fields.error,
      error_description: fields.error_description,
    });
  });

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(options.port ?? 0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    strategy,
    verifyCalls,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

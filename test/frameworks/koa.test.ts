import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import session from 'koa-session';
import { SalesforcePkceStrategy } from '../../src/index.js';
import { CALLBACK_PATH, CLIENT_ID, describeLogins, type AppUser, type StartOptions } from './harness.js';

const require = createRequire(import.meta.url);
const KOAS = { 2: require('koa2') as typeof Koa, 3: Koa };

/** Koa with koa-session, koa-passport and @koa/router, as koa-passport's README and example app wire a strategy. */
async function startKoaApp(version: 2 | 3, { loginURL, behindProxy }: StartOptions) {
  const app = new KOAS[version]();
  // Koa's own proxy setting: ctx.protocol and ctx.host then read X-Forwarded-*.
  app.proxy = behindProxy;
  app.keys = ['koa-session-test-key'];
  app.use(session({}, app));

  const passport = new KoaPassport();
  passport.use(
    new SalesforcePkceStrategy(
      { clientID: CLIENT_ID, loginURL, callbackURL: CALLBACK_PATH },
      (accessToken, refreshToken, params, profile, done) => {
        done(null, { id: profile.id, name: profile.displayName, instanceUrl: params.instance_url } satisfies AppUser);
      },
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: AppUser, done) => done(null, user));
  app.use(passport.initialize());
  app.use(passport.session());

  const router = new Router();
  router.get('/auth/salesforce', passport.authenticate('salesforce'));
  router.get(CALLBACK_PATH, (ctx, next) =>
    passport.authenticate(
      'salesforce',
      async (err: unknown, user: AppUser | false, info: { message?: string } | undefined, status?: number) => {
        if (err) throw err;
        if (!user) {
          ctx.status = status ?? 401;
          ctx.body = { message: info?.message };
          return;
        }
        await ctx.login(user);
        ctx.redirect('/');
      },
    )(ctx, next),
  );
  router.get('/', (ctx) => {
    ctx.body = { user: ctx.state.user ?? null };
  });
  app.use(router.routes());

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

for (const version of [2, 3] as const) {
  describeLogins(`Koa ${version} with koa-passport and koa-session`, (options) => startKoaApp(version, options));
}

/**
 * One changed require: the same site logs one user in through passport-forcedotcom (0.1, 0.2) or
 * passport-salesforce, and through `passport-salesforce-pkce/forcedotcom` or `/salesforce` with
 * the same options, verify callback and routes, against one emulator. The verify callback must
 * receive the same arguments and the session must hold the same contents; only the token values
 * differ from login to login, so they are replaced by their names before comparing. The sites
 * follow patterns of real apps on those packages: the profile as the user, the token object as
 * the user with the profile as `info`, users built from UserInfo fields, `proxy: true`.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import { Passport, type Strategy as PassportStrategy } from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { ForceDotComStrategy } from '../../src/forcedotcom.js';
import { PassportSalesforceStrategy } from '../../src/passport-salesforce.js';
import { Browser } from '../helpers/browser.js';

const require = createRequire(import.meta.url);
type StrategyClass = new (options: Record<string, unknown>, verify: (...args: never[]) => unknown) => PassportStrategy;
const peers = {
  'passport-forcedotcom 0.2': (require('passport-forcedotcom') as { Strategy: StrategyClass }).Strategy,
  'passport-forcedotcom 0.1': (require('passport-forcedotcom01') as { Strategy: StrategyClass }).Strategy,
  // passport-salesforce's module is the class itself.
  'passport-salesforce': require('passport-salesforce') as StrategyClass,
};

let emulator: RunningEmulator;
const servers: Server[] = [];
let apps = 0;

beforeAll(async () => {
  emulator = await startEmulator({
    restApi: true,
    users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }],
  });
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await emulator.close();
});

/** What a site's verify callback was given, and what its callback route saw. */
interface Login {
  args: unknown[];
  session: Record<string, unknown>;
  routeSaw: unknown;
}

interface Site {
  /** The strategy name the routes use. */
  name: string;
  /** The site's constructor options, given the login base. */
  options: (loginURL: string) => Record<string, unknown>;
  /** The site's verify callback; it records its arguments in `args`. */
  verify: (args: unknown[][]) => (...params: never[]) => unknown;
  /** What the site's callback route reads from the request, sent back as JSON. */
  route: (req: express.Request) => unknown;
  /** What the site does with the strategy before `passport.use`. */
  configure?: (strategy: PassportStrategy) => void;
}

/** Starts the site with `Strategy`, its Connected App requiring PKCE or not; logs the user in once. */
async function logIn(site: Site, Strategy: StrategyClass, requirePkce: boolean): Promise<Login> {
  const args: unknown[][] = [];
  const passport = new Passport();
  const clientId = `3MVG9peer.${++apps}`;
  const strategy = new Strategy({ ...site.options(emulator.url), clientID: clientId }, site.verify(args));
  site.configure?.(strategy);
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 'peer packages', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.get('/login', passport.authenticate(site.name));
  app.get('/auth/callback', passport.authenticate(site.name, { failureRedirect: '/failed' }), (req, res) => {
    res.json(site.route(req) ?? null);
  });
  app.get('/session', (req, res) => res.json(req.session));
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.addApp({ clientId, clientSecret: 'peer-secret', requirePkce, redirectUris: [`${url}/auth/callback`] });
  const browser = new Browser(url);
  const callback = await browser.login('/login');
  expect(callback.status).toBe(200);
  const stored = (await browser.agent.get('/session')).body as Record<string, unknown>;
  expect(args).toHaveLength(1);
  return { args: (args[0] ?? []).slice(0, -1), session: stored, routeSaw: callback.body };
}

const TOKEN_FIELDS = ['access_token', 'refresh_token', 'signature', 'issued_at', 'id_token'];

/** `value` as JSON with this login's token values replaced by their names (the only values that differ between two logins). */
function withoutTokenValues(value: unknown, login: Login): unknown {
  const [token, refreshToken] = login.args;
  // The first argument is the access token, or passport-forcedotcom's object whose string it is.
  // params is an argument of its own, or the token object's (passport-forcedotcom's four-argument form).
  const params =
    login.args.find((arg): arg is Record<string, unknown> => typeof arg === 'object' && arg !== null && 'issued_at' in arg) ??
    (token as { params?: Record<string, unknown> }).params;
  const values: Record<string, unknown> = { ...params, access_token: String(token), refresh_token: refreshToken };
  let text = JSON.stringify(value);
  for (const field of TOKEN_FIELDS) {
    const secret = values[field];
    if (typeof secret === 'string' && secret !== '') text = text.split(JSON.stringify(secret).slice(1, -1)).join(`<${field}>`);
  }
  return JSON.parse(text) as unknown;
}

/** Logs in through the peer package and through its replacement; both must see and store the same. */
async function sideBySide(site: Site, peer: keyof typeof peers, replacement: StrategyClass): Promise<[unknown, unknown]> {
  const before = await logIn(site, peers[peer], false);
  const after = await logIn(site, replacement, true);
  const seen = (login: Login): unknown =>
    withoutTokenValues(
      { args: login.args, session: login.session, route: login.routeSaw, argTypes: login.args.map((arg) => typeof arg) },
      login,
    );
  return [seen(after), seen(before)];
}

/** The options every site here passes: the secret, the callback, and the endpoints under the emulator's login base. */
function siteOptions(loginURL: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientSecret: 'peer-secret',
    callbackURL: '/auth/callback',
    authorizationURL: `${loginURL}/services/oauth2/authorize`,
    tokenURL: `${loginURL}/services/oauth2/token`,
    ...extra,
  };
}

const ForceDotCom = ForceDotComStrategy as unknown as StrategyClass;
const Salesforce = PassportSalesforceStrategy as unknown as StrategyClass;

describe('passport-salesforce-pkce/forcedotcom in place of passport-forcedotcom', () => {
  const readme: Site = {
    // passport-forcedotcom's README: the profile is the user.
    name: 'forcedotcom',
    options: (loginURL) =>
      siteOptions(loginURL, {
        scope: ['id', 'api', 'refresh_token'],
      }),
    verify: (args) =>
      function (token: never, refreshToken: never, profile: never, done: (err: null, user: unknown) => void) {
        args.push([token, refreshToken, profile, done]);
        done(null, profile);
      },
    route: (req) => ({ user: req.user }),
  };

  it('0.2: the same token object, profile (id, _raw with _photo, emails) and session', async () => {
    const [after, before] = await sideBySide(readme, 'passport-forcedotcom 0.2', ForceDotCom);
    expect(after).toEqual(before);
    // Not two empty results: the profile and the token object are there.
    expect(before).toMatchObject({
      args: [{ params: { access_token: '<access_token>', instance_url: emulator.url } }, '<refresh_token>', { provider: 'forcedotcom' }],
      argTypes: ['object', 'string', 'object'],
    });
  });

  it('0.1: the token object as the user and the profile as info, read by the callback route; params with five arguments', async () => {
    const site: Site = {
      name: 'forcedotcom',
      options: (loginURL) =>
        siteOptions(loginURL, {
          // passport-forcedotcom ignored options it did not know; so does its replacement.
          profileFields: ['user_id', 'first_name'],
        }),
      verify: (args) =>
        function (token: never, refreshToken: never, params: never, profile: { _raw?: unknown }, done: (...a: unknown[]) => void) {
          args.push([token, refreshToken, params, profile, done]);
          delete profile._raw;
          done(null, token, profile);
        },
      route: (req) => ({
        instanceUrl: (req.user as { params: { instance_url: string } }).params.instance_url,
        id: (req.authInfo as { id: string }).id,
      }),
    };
    const [after, before] = await sideBySide(site, 'passport-forcedotcom 0.1', ForceDotCom);
    expect(after).toEqual(before);
    expect(before).toMatchObject({ route: { instanceUrl: emulator.url, id: expect.stringMatching(/^00D\w+\/005\w+$/) as unknown } });
  });
});

describe('passport-salesforce-pkce/salesforce in place of passport-salesforce', () => {
  // passport-salesforce sends the access token to UserInfo as an `access_token` query parameter;
  // Salesforce documents only the Authorization header and `oauth_token`, and the emulator takes
  // only those. Its sites therefore send the header, which passport-oauth2 offers (and which the
  // replacement always does).
  const bearer = (strategy: PassportStrategy): void =>
    (strategy as unknown as { _oauth2: { useAuthorizationHeaderforGET(useIt: boolean): void } })._oauth2.useAuthorizationHeaderforGET(true);

  it('the same UserInfo profile (user_id, given_name, family_name, email, picture, profile, urls) and the user the site builds from it', async () => {
    const site: Site = {
      name: 'salesforce',
      options: (loginURL) =>
        siteOptions(loginURL, {
          proxy: true,
          profileURL: `${loginURL}/services/oauth2/userinfo`,
        }),
      verify: (args) =>
        async function (accessToken: never, refreshToken: never, profile: Record<string, string>, done: (...a: unknown[]) => void) {
          args.push([accessToken, refreshToken, profile, done]);
          await Promise.resolve();
          done(null, {
            userId: profile.user_id,
            firstName: profile.given_name,
            lastName: profile.family_name,
            email: profile.email,
            sfAccessToken: accessToken,
            sfUserString: profile.profile,
            sfProfilePic: profile.picture,
            sfInstanceUrl: (profile.urls as unknown as Record<string, string>).custom_domain,
          });
        },
      route: (req) => ({ user: req.user }),
      configure: bearer,
    };
    const [after, before] = await sideBySide(site, 'passport-salesforce', Salesforce);
    expect(after).toEqual(before);
    expect(before).toMatchObject({
      session: {
        passport: {
          user: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', userId: expect.stringMatching(/^005/) as unknown },
        },
      },
      argTypes: ['string', 'string', 'object'],
    });
  });

  it('with params, and scopes as one string', async () => {
    const site: Site = {
      name: 'salesforce',
      options: (loginURL) =>
        siteOptions(loginURL, {
          // passport-salesforce joins an array with commas, which Salesforce does not split: one string.
          scope: 'api id refresh_token',
          profileURL: `${loginURL}/services/oauth2/userinfo`,
        }),
      verify: (args) =>
        function (accessToken: never, refreshToken: never, params: never, profile: never, done: (...a: unknown[]) => void) {
          args.push([accessToken, refreshToken, params, profile, done]);
          done(null, { accessToken, refreshToken, params, profile });
        },
      route: (req) => ({ user: req.user }),
      configure: bearer,
    };
    const [after, before] = await sideBySide(site, 'passport-salesforce', Salesforce);
    expect(after).toEqual(before);
    expect(before).toMatchObject({ argTypes: ['string', 'string', 'object', 'object'] });
  });

  it("fetches the login base's own UserInfo when profileURL is left out (passport-salesforce's default was production's)", async () => {
    const site: Site = {
      name: 'salesforce',
      options: (loginURL) => siteOptions(loginURL),
      verify: (args) =>
        function (
          accessToken: never,
          refreshToken: never,
          profile: { user_id: string; given_name: string },
          done: (...a: unknown[]) => void,
        ) {
          args.push([accessToken, refreshToken, profile, done]);
          done(null, { id: profile.user_id, name: profile.given_name });
        },
      route: (req) => ({ user: req.user }),
    };
    const { routeSaw } = await logIn(site, Salesforce, true);
    expect(routeSaw).toEqual({ user: { id: expect.stringMatching(/^005/) as unknown, name: 'Ada' } });
  });
});

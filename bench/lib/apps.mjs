/**
 * The contenders, each an Express 5 app with express-session (MemoryStore, the same cookie
 * settings for all) on the same routes: `GET /auth/salesforce` starts a login (302 to the
 * emulator's authorization endpoint) and `GET /auth/salesforce/callback` finishes it (302 to
 * `/done`, or to `/failed`). What each one checks is in CHECKS below and in BENCHMARKS.md.
 *
 * - `ceiling` (a): no Passport; stores a 43-character random value (32 random bytes, the size
 *   of a PKCE verifier) in the session and answers 302. Nothing starts a login with less work.
 * - `passport-floor` (b): the same work done by a Passport strategy behind `passport.initialize()`
 *   and `passport.session()`, redirecting with Passport's `redirect`: the floor of any strategy.
 * - `passport-oauth2` (c): passport-oauth2 1.8 with `pkce: 'S256', state: true`, and a minimal
 *   `userProfile` that GETs the identity URL with the token in a Bearer header.
 * - `openid-client` (d): openid-client 6's Passport strategy, configured by discovery from the
 *   emulator (http on loopback, hence openid-client's `allowInsecureRequests`), whose verify
 *   callback fetches the UserInfo endpoint (openid-client's `fetchUserInfo`, which checks `sub`).
 * - `strategy` (e): this package's `SalesforcePkceStrategy`, as its README wires it.
 * - `passport-oauth2-no-id-token` (c'), `strategy-no-id-token` (e'): (c) and (e) against a
 *   Connected App without `openid`, so no id_token comes back.
 */
import { randomBytes } from 'node:crypto';
import { URL } from 'node:url';
import express from 'express';
import session from 'express-session';
import * as oidc from 'openid-client';
import { Strategy as OpenIdClientStrategy } from 'openid-client/passport';
import { Passport, Strategy as PassportStrategy } from 'passport';
import { InternalOAuthError, Strategy as OAuth2Strategy } from 'passport-oauth2';
import { SalesforcePkceStrategy } from 'passport-salesforce-pkce';

export const CONTENDERS = [
  'ceiling',
  'passport-floor',
  'passport-oauth2',
  'openid-client',
  'strategy',
  'passport-oauth2-no-id-token',
  'strategy-no-id-token',
];
export const LABELS = {
  ceiling: '(a) express-session ceiling',
  'passport-floor': '(b) Passport floor',
  'passport-oauth2': '(c) passport-oauth2 pkce',
  'openid-client': '(d) openid-client 6 passport',
  strategy: '(e) passport-salesforce-pkce',
  'passport-oauth2-no-id-token': "(c') passport-oauth2, no id_token",
  'strategy-no-id-token': "(e') passport-salesforce-pkce, no id_token",
};
/** The short letters used in ratios and targets. */
export const LETTERS = {
  ceiling: 'a',
  'passport-floor': 'b',
  'passport-oauth2': 'c',
  'openid-client': 'd',
  strategy: 'e',
  'passport-oauth2-no-id-token': "c'",
  'strategy-no-id-token': "e'",
};

/**
 * What each contender checks on a login, published next to its numbers. `true`, `false`, or a
 * short note when the answer is neither.
 */
export const CHECKS = [
  ['PKCE (S256)', { ceiling: false, 'passport-floor': false, 'passport-oauth2': true, 'openid-client': true, strategy: true }],
  [
    '`state` sent and checked',
    {
      ceiling: 'stored, never checked',
      'passport-floor': 'stored, never checked',
      'passport-oauth2': true,
      'openid-client': 'no: PKCE only, as the discovery lists S256',
      strategy: true,
    },
  ],
  [
    'several pending logins per session (tabs)',
    {
      ceiling: false,
      'passport-floor': false,
      'passport-oauth2': 'no: one, overwritten',
      'openid-client': 'no: one, overwritten',
      strategy: 'yes, up to 10, each used once, 10-minute expiry',
    },
  ],
  [
    'pending login saved before the redirect',
    {
      ceiling: 'at the end of the request',
      'passport-floor': 'at the end of the request',
      'passport-oauth2': 'at the end of the request',
      'openid-client': 'at the end of the request',
      strategy: 'yes, explicitly',
    },
  ],
  [
    'token response `signature` (HMAC-SHA256)',
    { ceiling: false, 'passport-floor': false, 'passport-oauth2': false, 'openid-client': false, strategy: true },
  ],
  [
    'id_token signature (RS256 against the JWKS)',
    {
      ceiling: false,
      'passport-floor': false,
      'passport-oauth2': 'no: ignores the id_token',
      'openid-client': 'no (only with `enableNonRepudiationChecks`)',
      strategy: 'yes (jsonwebtoken)',
    },
  ],
  [
    'id_token claims (iss, aud, exp, iat)',
    { ceiling: false, 'passport-floor': false, 'passport-oauth2': false, 'openid-client': true, strategy: true },
  ],
  [
    'OpenID nonce',
    {
      ceiling: false,
      'passport-floor': false,
      'passport-oauth2': false,
      'openid-client': 'no: none sent',
      strategy: 'when `openid` is requested (not here)',
    },
  ],
  [
    'identity fetched',
    {
      ceiling: false,
      'passport-floor': false,
      'passport-oauth2': 'identity URL (a minimal `userProfile` written for this benchmark)',
      'openid-client': 'UserInfo endpoint, `sub` checked',
      strategy: 'identity URL, full profile',
    },
  ],
  [
    'identity URL origin checked before the token is sent',
    {
      ceiling: false,
      'passport-floor': false,
      'passport-oauth2': 'n/a: fixed URL',
      'openid-client': 'n/a: UserInfo URL from discovery',
      strategy: true,
    },
  ],
  [
    'HTTP client',
    {
      ceiling: '-',
      'passport-floor': '-',
      'passport-oauth2': '`oauth` (node:http, global agent)',
      'openid-client': 'fetch (undici)',
      strategy: 'node:http, keep-alive agents',
    },
  ],
];

export const CLIENT_ID = '3MVG9bench.connected.app';
/** A second Connected App, granted every scope but `openid`: its token responses carry no id_token. */
export const CLIENT_ID_NO_OPENID = '3MVG9bench.no.openid';
export const CLIENT_SECRET = 'B3NCHS3CR3T';
export const CALLBACK_PATH = '/auth/salesforce/callback';
/** The cookie and store settings every contender shares. */
const SESSION_OPTIONS = { secret: 'bench-secret', resave: false, saveUninitialized: false, name: 'app.sid' };

/** passport-oauth2 with built-in PKCE; `identityURL` is the emulator user's (it only gets a token). */
function passportOAuth2Strategy(emulator, identityURL, clientID) {
  const strategy = new OAuth2Strategy(
    {
      authorizationURL: `${emulator.url}/services/oauth2/authorize`,
      tokenURL: `${emulator.url}/services/oauth2/token`,
      clientID,
      clientSecret: CLIENT_SECRET,
      callbackURL: CALLBACK_PATH,
      pkce: 'S256',
      state: true,
    },
    (accessToken, refreshToken, profile, done) => done(null, { id: profile.id }),
  );
  strategy.name = 'salesforce';
  strategy._oauth2.useAuthorizationHeaderforGET(true);
  strategy.userProfile = function userProfile(accessToken, done) {
    this._oauth2.get(identityURL, accessToken, (err, body) => {
      if (err) {
        done(new InternalOAuthError('Failed to fetch the identity', err));
        return;
      }
      try {
        const json = JSON.parse(body);
        done(null, {
          provider: 'salesforce',
          id: json.user_id,
          username: json.username,
          displayName: json.display_name,
          _raw: body,
          _json: json,
        });
      } catch (error) {
        done(error);
      }
    });
  };
  return strategy;
}

/** A Passport strategy that does only what the ceiling does: 43 random characters in the session, then redirect. */
class FloorStrategy extends PassportStrategy {
  constructor(authorizeURL) {
    super();
    this.name = 'salesforce';
    this.authorizeURL = authorizeURL;
  }

  authenticate(req) {
    const value = randomBytes(32).toString('base64url');
    req.session.pending = value;
    this.redirect(this.authorizeURL + value);
  }
}

/** openid-client's Passport strategy, configured from the emulator's discovery document. */
async function openIdClientStrategy(emulator, appUrl) {
  // openid-client refuses http: endpoints unless told; the emulator serves http on loopback only.
  const config = await oidc.discovery(new URL(emulator.url), CLIENT_ID, CLIENT_SECRET, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  const strategy = new OpenIdClientStrategy(
    { config, callbackURL: `${appUrl}${CALLBACK_PATH}`, name: 'salesforce' },
    async (tokens, verified) => {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
      verified(null, { id: info.user_id });
    },
  );
  return strategy;
}

/**
 * Builds one contender's app, with a MemoryStore. `emulator` is `{ url, orgId, userId }`,
 * `appUrl` the app's own origin (openid-client wants an absolute callback URL). Resolves to `{ app, store, strategy, errors, served }`: `errors` counts what reached Express's
 * error handler (with a few messages), `served` the login starts and callbacks answered.
 */
export async function createBenchApp(contender, emulator, appUrl) {
  if (!CONTENDERS.includes(contender)) throw new TypeError(`unknown contender ${contender}; one of ${CONTENDERS.join(', ')}`);
  const app = express();
  const errors = { count: 0, messages: new Set() };
  const served = { starts: 0, callbacks: 0 };
  app.disable('x-powered-by');
  const store = new session.MemoryStore();
  app.use(session({ ...SESSION_OPTIONS, store }));
  app.use(CALLBACK_PATH, (_req, _res, next) => {
    served.callbacks += 1;
    next();
  });
  app.use('/auth/salesforce', (req, _res, next) => {
    if (req.path === '/') served.starts += 1;
    next();
  });

  const authorizeURL = `${emulator.url}/services/oauth2/authorize?response_type=code&client_id=${CLIENT_ID}&state=`;
  let strategy;
  if (contender === 'ceiling') {
    app.get('/auth/salesforce', (req, res) => {
      const value = randomBytes(32).toString('base64url');
      req.session.pending = value;
      // What Passport's `redirect` action sends: a 302 with Location and an empty body.
      res.statusCode = 302;
      res.setHeader('Location', authorizeURL + value);
      res.setHeader('Content-Length', '0');
      res.end();
    });
  } else {
    const passport = new Passport();
    const identityURL = `${emulator.url}/id/${emulator.orgId}/${emulator.userId}`;
    const salesforce = (clientID) =>
      new SalesforcePkceStrategy(
        { clientID, clientSecret: CLIENT_SECRET, loginURL: emulator.url, callbackURL: CALLBACK_PATH },
        (accessToken, refreshToken, profile, done) => done(null, { id: profile.id }),
      );
    const strategies = {
      'passport-floor': () => new FloorStrategy(authorizeURL),
      'passport-oauth2': () => passportOAuth2Strategy(emulator, identityURL, CLIENT_ID),
      'openid-client': () => openIdClientStrategy(emulator, appUrl),
      strategy: () => salesforce(CLIENT_ID),
      'passport-oauth2-no-id-token': () => passportOAuth2Strategy(emulator, identityURL, CLIENT_ID_NO_OPENID),
      'strategy-no-id-token': () => salesforce(CLIENT_ID_NO_OPENID),
    };
    strategy = await strategies[contender]();
    passport.use(strategy);
    passport.serializeUser((user, done) => done(null, user));
    passport.deserializeUser((user, done) => done(null, user));
    app.use(passport.initialize());
    app.use(passport.session());
    app.get('/auth/salesforce', passport.authenticate('salesforce'));
    app.get(CALLBACK_PATH, passport.authenticate('salesforce', { successRedirect: '/done', failureRedirect: '/failed' }));
  }
  app.use((err, _req, res, _next) => {
    errors.count += 1;
    if (errors.messages.size < 5) errors.messages.add(`${err.name}: ${err.message}`);
    res.status(500).end(err.name);
  });
  return { app, store, strategy, errors, served };
}

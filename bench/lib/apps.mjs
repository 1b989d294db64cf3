/**
 * The three contenders, each an Express 5 app with express-session (MemoryStore) on the same
 * routes: `GET /auth/salesforce` starts a login (302 to the authorization endpoint) and
 * `GET /auth/salesforce/callback` finishes it (302 to `/done`, or to `/failed`).
 *
 * - `ceiling`: no Passport; stores 32 random bytes in the session and redirects. Nothing can
 *   start a login with less work on this stack.
 * - `passport-floor`: the ceiling's work done by a Passport strategy, behind `passport.initialize()`
 *   and `passport.session()`: what any Passport strategy costs before doing anything of its own.
 * - `passport-oauth2`: passport-oauth2 with its built-in PKCE (`pkce: 'S256', state: true`) and a
 *   minimal `userProfile` that GETs the identity URL with the token in a Bearer header.
 * - `strategy`: this package's `SalesforcePkceStrategy`, as its README wires it.
 * - `passport-oauth2-no-id-token`, `strategy-no-id-token`: the same two against a Connected App
 *   without `openid`, so no id_token comes back (passport-oauth2 ignores id_tokens; this strategy
 *   verifies every one, and the emulator spends an RSA signature on each).
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import { Passport, Strategy as PassportStrategy } from 'passport';
import { InternalOAuthError, Strategy as OAuth2Strategy } from 'passport-oauth2';
import { SalesforcePkceStrategy } from 'passport-salesforce-pkce';

export const CONTENDERS = [
  'ceiling',
  'passport-floor',
  'passport-oauth2',
  'strategy',
  'passport-oauth2-no-id-token',
  'strategy-no-id-token',
];
export const CLIENT_ID = '3MVG9bench.connected.app';
/** A second Connected App, granted every scope but `openid`: its token responses carry no id_token. */
export const CLIENT_ID_NO_OPENID = '3MVG9bench.no.openid';
export const CLIENT_SECRET = 'B3NCHS3CR3T';
export const CALLBACK_PATH = '/auth/salesforce/callback';

/** passport-oauth2 with built-in PKCE; `identityURL` is the emulator user's (it only gets a token). */
function passportOAuth2Strategy(emulator, identityURL, clientID = CLIENT_ID) {
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

/** A Passport strategy that does only what the ceiling does: 32 random bytes in the session, then redirect. */
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

function salesforcePkceStrategy(emulator, clientID = CLIENT_ID) {
  return new SalesforcePkceStrategy(
    { clientID, clientSecret: CLIENT_SECRET, loginURL: emulator.url, callbackURL: CALLBACK_PATH },
    (accessToken, refreshToken, profile, done) => done(null, { id: profile.id }),
  );
}

/**
 * Builds one contender's app. `emulator` is `{ url, orgId, userId }`. Returns the app, its
 * session store and `errors` (how many errors reached Express's error handler, and a few of their messages).
 */
export function createBenchApp(contender, emulator, { store = new session.MemoryStore() } = {}) {
  if (!CONTENDERS.includes(contender)) throw new TypeError(`unknown contender ${contender}; one of ${CONTENDERS.join(', ')}`);
  const app = express();
  const errors = { count: 0, messages: new Set() };
  app.disable('x-powered-by');
  app.use(session({ secret: 'bench-secret', resave: false, saveUninitialized: false, name: 'app.sid', store }));

  const authorizeURL = `${emulator.url}/services/oauth2/authorize?response_type=code&client_id=${CLIENT_ID}&state=`;
  if (contender === 'ceiling') {
    app.get('/auth/salesforce', (req, res) => {
      const value = randomBytes(32).toString('base64url');
      req.session.pending = value;
      res.writeHead(302, { location: authorizeURL + value, 'content-length': '0' });
      res.end();
    });
  } else {
    const passport = new Passport();
    const identityURL = `${emulator.url}/id/${emulator.orgId}/${emulator.userId}`;
    const strategies = {
      'passport-floor': () => new FloorStrategy(authorizeURL),
      'passport-oauth2': () => passportOAuth2Strategy(emulator, identityURL),
      strategy: () => salesforcePkceStrategy(emulator),
      'passport-oauth2-no-id-token': () => passportOAuth2Strategy(emulator, identityURL, CLIENT_ID_NO_OPENID),
      'strategy-no-id-token': () => salesforcePkceStrategy(emulator, CLIENT_ID_NO_OPENID),
    };
    passport.use(strategies[contender]());
    passport.serializeUser((user, done) => done(null, user.id));
    passport.deserializeUser((id, done) => done(null, { id }));
    app.use(passport.initialize());
    app.use(passport.session());
    app.get('/auth/salesforce', passport.authenticate('salesforce'));
    app.get(CALLBACK_PATH, passport.authenticate('salesforce', { successRedirect: '/done', failureRedirect: '/failed' }));
  }
  app.get('/touch', (req, res) => {
    req.session.visited = true;
    res.end('ok');
  });
  app.use((err, _req, res, _next) => {
    errors.count += 1;
    if (errors.messages.size < 5) errors.messages.add(`${err.name}: ${err.message}`);
    res.status(500).end(err.name);
  });
  return { app, store, errors };
}

'use strict';
// The example app: a plain CommonJS Express site that logs users in with Salesforce, shows who
// they are, calls the REST API with their token, refreshes it, and revokes it at logout.
//
// Configuration comes from the environment:
//   SF_CLIENT_ID, SF_CLIENT_SECRET  the Connected App's consumer key and secret
//   SF_LOGIN_URL                    https://login.salesforce.com (default), https://test.salesforce.com, a My Domain…
//   SF_CALLBACK_URL                 default http://localhost:$PORT/auth/salesforce/callback
//   PORT                            default 3000
//   SESSION_SECRET                  signs the session cookie (default: random at each start)
// Without SF_CLIENT_ID it starts a local Salesforce emulator and logs in to that.
const crypto = require('node:crypto');
const express = require('express');
const session = require('express-session');
const passport = require('passport');
const { Strategy } = require('passport-salesforce-pkce');
const views = require('./views.cjs');
const { describeError, describeLoginFailure } = require('./messages.cjs');
const { startDemoSalesforce } = require('./demo-salesforce.cjs');

const port = Number(process.env.PORT || 3000);
const callbackURL = process.env.SF_CALLBACK_URL || `http://localhost:${port}/auth/salesforce/callback`;
const scope = ['api', 'id', 'refresh_token'];
const API_VERSION = 'v62.0';

// The domains of an org's own Salesforce hosts, where profile photos are served (acme.file.force.com,
// acme.my.salesforce.com): https://help.salesforce.com/apex/HTViewHelpDoc?id=domain_name_overview.htm
const SALESFORCE_DOMAINS = ['salesforce.com', 'force.com'];

const isLoopback = (hostname) => hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

/**
 * The user's photo URL, if the access token may be sent there: over https (plain http only to
 * this machine, for the local emulator), and only to the user's own instance or a host of a
 * Salesforce-owned domain. `undefined` for anywhere else, which would be handing the token to a
 * stranger.
 */
function trustedPhotoURL(user) {
  let photo;
  let instance;
  try {
    photo = new URL(user.photo);
    instance = new URL(user.instanceUrl);
  } catch {
    return undefined;
  }
  const secure = photo.protocol === 'https:' || (photo.protocol === 'http:' && isLoopback(photo.hostname));
  const ownedBySalesforce = photo.protocol === 'https:' && SALESFORCE_DOMAINS.some((domain) => photo.hostname.endsWith(`.${domain}`));
  const trusted = secure && !photo.username && !photo.password && (photo.origin === instance.origin || ownedBySalesforce);
  return trusted ? photo : undefined;
}

async function main() {
  let salesforce = {
    clientID: process.env.SF_CLIENT_ID,
    clientSecret: process.env.SF_CLIENT_SECRET || undefined,
    loginURL: process.env.SF_LOGIN_URL || 'https://login.salesforce.com',
  };
  let demo;
  if (!salesforce.clientID) {
    demo = await startDemoSalesforce({ callbackURL, scope });
    salesforce = demo.settings;
  }

  // The strategy, exactly as the README shows it. The verify callback decides what the session
  // keeps about the user; a real app would also find or create its own user record here.
  const strategy = new Strategy({ ...salesforce, callbackURL, scope }, (accessToken, refreshToken, params, profile, done) => {
    done(null, {
      id: profile.id,
      displayName: profile.displayName,
      username: profile.username,
      email: profile.emails[0] && profile.emails[0].value,
      organizationId: profile.organizationId,
      photo: profile.photos[0] && profile.photos[0].value,
      instanceUrl: params.instance_url,
      scope: params.scope,
      issuedAt: Number(params.issued_at),
      accessToken,
      refreshToken,
    });
  });
  passport.use(strategy);
  // The whole user, tokens included, lives in the session. express-session keeps it on the
  // server (the cookie only names it); with several instances, use a shared store (see docs/sessions.md).
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));

  const app = express();
  app.use(
    session({
      name: 'acme.sid',
      secret: process.env.SESSION_SECRET || crypto.randomBytes(32).toString('hex'),
      resave: false,
      saveUninitialized: false,
      // Lax (not Strict): the browser must send the cookie when Salesforce redirects back.
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use((req, res, next) => {
    res.set({
      'Content-Security-Policy': "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:",
      'X-Frame-Options': 'DENY',
    });
    next();
  });

  // Express 4 does not catch rejected promises; this hands them to the error handler on 4 and 5.
  const route = (handler) => (req, res, next) => Promise.resolve(handler(req, res, next)).catch(next);
  const requireLogin = (req, res, next) => (req.user ? next() : res.redirect('/'));
  // Stores a changed user (new tokens) in the session.
  const saveUser = (req, user) =>
    new Promise((resolve, reject) => req.login(user, { keepSessionInfo: true }, (err) => (err ? reject(err) : resolve())));

  app.get('/', (req, res) => {
    if (req.user) return res.redirect('/profile');
    const notice =
      req.query.loggedOut === '1'
        ? { kind: 'success', text: 'You have logged out, and the Salesforce token was revoked.' }
        : req.query.loggedOut === 'local'
          ? { kind: 'warning', text: 'You have logged out here, but Salesforce could not be told to revoke the token.' }
          : undefined;
    res.send(views.homePage({ demo: demo && { url: demo.emulator.url, users: demo.users }, notice, loggedOut: notice !== undefined }));
  });

  // After a logout the browser is still logged in at Salesforce, which would hand the same user
  // straight back: the login offered after a logout asks Salesforce for its login page
  // (prompt=login), so someone else can log in.
  app.get('/auth/salesforce', (req, res, next) => {
    passport.authenticate('salesforce', req.query.prompt === 'login' ? { prompt: 'login' } : {})(req, res, next);
  });
  app.get('/auth/salesforce/callback', (req, res, next) => {
    passport.authenticate('salesforce', (err, user, info) => {
      if (err) return next(err);
      if (!user) return res.status(401).send(views.errorPage(describeLoginFailure(req.query, info)));
      req.logIn(user, (loginError) => (loginError ? next(loginError) : res.redirect('/profile')));
    })(req, res, next);
  });

  app.get('/profile', requireLogin, (req, res) => {
    const notice = req.query.refreshed ? { kind: 'success', text: 'The access token was refreshed.' } : undefined;
    res.send(views.profilePage({ user: req.user, notice }));
  });

  // Calls a REST resource with the access token, at the instance_url of the login. A 401 means
  // the token expired: refresh it once and try again.
  async function callSalesforce(req, path) {
    const get = (user) =>
      fetch(`${user.instanceUrl}${path}`, {
        headers: { Authorization: `Bearer ${user.accessToken}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(10000),
      });
    let response = await get(req.user);
    if (response.status === 401 && req.user.refreshToken) {
      await refreshTokens(req);
      response = await get(req.user);
    }
    return response;
  }

  async function refreshTokens(req) {
    const tokens = await strategy.refresh(req.user.refreshToken);
    await saveUser(req, {
      ...req.user,
      accessToken: tokens.accessToken,
      // Only a Connected App that rotates refresh tokens sends a new one.
      refreshToken: tokens.refreshToken || req.user.refreshToken,
      instanceUrl: tokens.instanceUrl || req.user.instanceUrl,
      issuedAt: tokens.issuedAt,
    });
  }

  app.get(
    '/api',
    requireLogin,
    route(async (req, res) => {
      const path = `/services/data/${API_VERSION}/sobjects/User/${req.user.id}?fields=Id,Name,Username,Email,IsActive,TimeZoneSidKey`;
      const response = await callSalesforce(req, path);
      const text = await response.text();
      let body = text;
      try {
        body = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // not JSON: shown as it came
      }
      res.send(views.profilePage({ user: req.user, apiCall: { url: `${req.user.instanceUrl}${path}`, status: response.status, body } }));
    }),
  );

  app.post(
    '/refresh',
    requireLogin,
    route(async (req, res) => {
      await refreshTokens(req);
      res.redirect('/profile?refreshed=1');
    }),
  );

  // The profile photo needs the access token, so the browser gets it through the app.
  app.get(
    '/profile/photo',
    requireLogin,
    route(async (req, res) => {
      const photo = trustedPhotoURL(req.user);
      const response =
        photo && (await fetch(photo, { headers: { Authorization: `Bearer ${req.user.accessToken}` }, signal: AbortSignal.timeout(10000) }));
      const type = response && response.headers.get('content-type');
      if (!response || !response.ok || !/^image\//.test(type)) return res.type('svg').send(views.PLACEHOLDER_PHOTO);
      // A photo can be an SVG: sandboxed, so it can never run script as this site.
      res.set({
        'Content-Type': type,
        'Content-Security-Policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'",
        'Cache-Control': 'private, max-age=300',
      });
      res.send(Buffer.from(await response.arrayBuffer()));
    }),
  );

  // Logging out revokes the token at Salesforce (a refresh token takes its access tokens with
  // it), then ends the session here.
  app.post(
    '/logout',
    route(async (req, res, next) => {
      let revoked = true;
      if (req.user) {
        try {
          await strategy.revoke(req.user.refreshToken || req.user.accessToken);
        } catch (error) {
          revoked = false;
          console.warn(`Salesforce did not revoke the token: ${error.message}`);
        }
      }
      req.logout((logoutError) => {
        if (logoutError) return next(logoutError);
        req.session.destroy(() => {
          res.clearCookie('acme.sid');
          res.redirect(revoked ? '/?loggedOut=1' : '/?loggedOut=local');
        });
      });
    }),
  );

  app.use((req, res) => {
    res.status(404).send(views.errorPage({ title: 'Page not found', text: 'There is no page at this address.' }, req.user));
  });
  // Every error ends here: logged for the developer, explained in plain words to the user.
  app.use((err, req, res, next) => {
    const described = describeError(err);
    console.error(`${req.method} ${req.path} failed: ${err.name}: ${err.message}. ${described.text}`);
    if (res.headersSent) return next(err);
    res.status(500).send(views.errorPage(described, req.user));
  });

  const server = app.listen(port);
  server.on('listening', () => {
    if (demo) {
      console.log(`No SF_CLIENT_ID set: logging in to a local Salesforce emulator at ${demo.emulator.url}`);
      console.log(`  Log in as ${demo.users.map((u) => u.username).join(' or ')}, password "${demo.users[0].password}"`);
      console.log('');
    }
    console.log(`Example app running at http://localhost:${port}`);
  });
  server.on('error', (error) => {
    console.error(`The example app could not listen on port ${port}: ${error.message}`);
    process.exit(1);
  });
}

main().catch((error) => {
  console.error(`The example app could not start: ${error.message}`);
  process.exit(1);
});

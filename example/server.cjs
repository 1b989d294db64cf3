'use strict';
// The example app: a plain CommonJS Express site that logs users in with Salesforce.
// With no SF_CLIENT_ID in the environment it starts the bundled emulator and logs into that.
const express = require('express');
const session = require('express-session');
const passport = require('passport');
const { Strategy } = require('passport-salesforce-pkce');
const { startEmulator } = require('passport-salesforce-pkce/emulator');

const port = Number(process.env.PORT || 3000);
const callbackURL = process.env.SF_CALLBACK_URL || `http://localhost:${port}/auth/salesforce/callback`;

async function salesforceSettings() {
  if (process.env.SF_CLIENT_ID) {
    return {
      clientID: process.env.SF_CLIENT_ID,
      clientSecret: process.env.SF_CLIENT_SECRET || undefined,
      loginURL: process.env.SF_LOGIN_URL || 'https://login.salesforce.com',
    };
  }
  const emulator = await startEmulator({
    users: [{ username: 'ada@example.com', password: 'password', firstName: 'Ada', lastName: 'Lovelace' }],
    apps: [{ clientId: 'example-app', name: 'Example App', redirectUris: [callbackURL] }],
  });
  console.log(`Salesforce emulator on ${emulator.url} (user ada@example.com, password "password")`);
  return { clientID: 'example-app', loginURL: emulator.url };
}

async function main() {
  const settings = await salesforceSettings();
  passport.use(new Strategy({ ...settings, callbackURL, scope: ['api', 'refresh_token'] },
    (accessToken, refreshToken, params, profile, done) => {
      done(null, { id: profile.id, name: profile.displayName, username: profile.username, instanceUrl: params.instance_url });
    }));
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));

  const app = express();
  app.use(session({ secret: process.env.SESSION_SECRET || 'change me', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());

  app.get('/', (req, res) => {
    res.type('html').send(req.user
      ? `<p>Logged in as ${escapeHtml(req.user.name)} (${escapeHtml(req.user.username)})</p><p><a href="/logout">Log out</a></p>`
      : '<p><a href="/auth/salesforce">Log in with Salesforce</a></p>');
  });
  app.get('/auth/salesforce', passport.authenticate('salesforce'));
  app.get('/auth/salesforce/callback', passport.authenticate('salesforce', { failureRedirect: '/' }), (req, res) => res.redirect('/'));
  app.get('/logout', (req, res, next) => req.logout((err) => (err ? next(err) : res.redirect('/'))));

  app.listen(port, () => console.log(`Example app on http://localhost:${port}`));
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

'use strict';
// A legacy CommonJS site: everything comes in through require().
const express = require('express');
const session = require('express-session');
const passport = require('passport');
const { Strategy } = require('passport-salesforce-pkce');
const { startEmulator } = require('passport-salesforce-pkce/emulator');
const { driveLogin } = require('./drive-login.cjs');

async function main() {
  const emulator = await startEmulator();
  const app = express();
  app.use(session({ secret: 'scratch', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));
  passport.use(new Strategy({ clientID: 'scratch-cjs', callbackURL: '/auth/salesforce/callback', loginURL: emulator.url },
    (accessToken, refreshToken, profile, done) => done(null, { username: profile.username })));
  app.get('/login', passport.authenticate('salesforce'));
  app.get('/auth/salesforce/callback', passport.authenticate('salesforce'), (req, res) => res.json({ user: req.user }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const appUrl = `http://127.0.0.1:${server.address().port}`;
  emulator.addApp({ clientId: 'scratch-cjs', redirectUris: [`${appUrl}/auth/salesforce/callback`] });
  try {
    console.log(JSON.stringify(await driveLogin(appUrl)));
  } finally {
    server.close();
    await emulator.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

'use strict';
// Runs one login through a freshly wired app and the emulator, the way a browser would (keeping
// the app's cookie), and prints the callback's JSON answer with the Node and Express versions it
// ran on. The login asks for `openid`, so the id_token check runs too (the keys are fetched). The
// CommonJS and ESM scratch apps hand in the modules they loaded their own way.

function cookieOf(response) {
  const header = response.headers.get('set-cookie');
  return header ? header.split(';')[0] : undefined;
}

async function driveLogin(appUrl) {
  const login = await fetch(`${appUrl}/login`, { redirect: 'manual' });
  const authorize = await fetch(login.headers.get('location'), { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location'), { redirect: 'manual', headers: { cookie: cookieOf(login) } });
  return { status: callback.status, body: await callback.json() };
}

async function loginOnce({ express, session, passport, Strategy, startEmulator, clientID, verify }) {
  const emulator = await startEmulator();
  const app = express();
  app.use(session({ secret: 'scratch', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user, done) => done(null, user));
  passport.use(
    new Strategy({ clientID, callbackURL: '/auth/salesforce/callback', loginURL: emulator.url, scope: ['openid', 'api'] }, verify),
  );
  app.get('/login', passport.authenticate('salesforce'));
  app.get('/auth/salesforce/callback', passport.authenticate('salesforce'), (req, res) => res.json({ user: req.user }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const appUrl = `http://127.0.0.1:${server.address().port}`;
  emulator.addApp({ clientId: clientID, redirectUris: [`${appUrl}/auth/salesforce/callback`] });
  try {
    const express = require(require.resolve('express/package.json', { paths: [process.cwd()] })).version.split('.')[0];
    const outcome = await driveLogin(appUrl);
    console.log(JSON.stringify({ node: process.version, express, ...outcome, keysFetched: emulator.requestsTo('keys').length }));
  } finally {
    server.close();
    await emulator.close();
  }
}

module.exports = { loginOnce };

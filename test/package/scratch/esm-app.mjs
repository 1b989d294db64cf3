// A modern ESM site: everything comes in through import.
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { SalesforcePkceStrategy } from 'passport-salesforce-pkce';
import { startEmulator } from 'passport-salesforce-pkce/emulator';
import driveLoginModule from './drive-login.cjs';

const emulator = await startEmulator();
const app = express();
app.use(session({ secret: 'scratch', resave: false, saveUninitialized: false }));
app.use(passport.initialize());
app.use(passport.session());
passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user, done) => done(null, user));
passport.use(new SalesforcePkceStrategy({ clientID: 'scratch-esm', callbackURL: '/auth/salesforce/callback', loginURL: emulator.url },
  (accessToken, refreshToken, params, profile, done) => done(null, { username: profile.username, instanceUrl: params.instance_url === emulator.url })));
app.get('/login', passport.authenticate('salesforce'));
app.get('/auth/salesforce/callback', passport.authenticate('salesforce'), (req, res) => res.json({ user: req.user }));
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const appUrl = `http://127.0.0.1:${server.address().port}`;
emulator.addApp({ clientId: 'scratch-esm', redirectUris: [`${appUrl}/auth/salesforce/callback`] });
try {
  console.log(JSON.stringify(await driveLoginModule.driveLogin(appUrl)));
} finally {
  server.close();
  await emulator.close();
}

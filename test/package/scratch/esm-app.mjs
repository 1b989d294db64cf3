// A modern ESM site: everything comes in through import.
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { SalesforcePkceStrategy } from 'passport-salesforce-pkce';
import { startEmulator } from 'salesforce-oauth-emulator';
import driveLogin from './drive-login.cjs';

await driveLogin.loginOnce({
  express,
  session,
  passport,
  Strategy: SalesforcePkceStrategy,
  startEmulator,
  clientID: 'scratch-esm',
  verify: (accessToken, refreshToken, params, profile, done) =>
    done(null, {
      username: profile.username,
      instanceUrl: params.instance_url.startsWith('http://127.0.0.1:'),
      idTokenSubject: params.id_token_claims.sub === profile.identityUrl,
    }),
});

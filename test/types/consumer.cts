// A TypeScript (CommonJS) site: require-style imports of the same public types. Compiled with
// consumer.mts (see there).
/* eslint-disable @typescript-eslint/no-require-imports -- the CommonJS import form is what this file checks */
import express = require('express');
import passport = require('passport');
import salesforce = require('passport-salesforce-pkce');
/* eslint-enable @typescript-eslint/no-require-imports */

const { Strategy } = salesforce;

passport.use(
  new Strategy(
    { clientID: 'key', callbackURL: 'https://app.example.com/cb', clientSecret: 'secret' },
    (accessToken, refreshToken, params, profile, done) => {
      done(null, { id: profile.id, instanceUrl: params.instance_url, accessToken, refreshToken });
    },
  ),
);
passport.use(
  new Strategy(
    { name: 'with-req', clientID: 'key', callbackURL: '/cb', passReqToCallback: true },
    (req, accessToken, refreshToken, params, profile, done) => {
      const returnTo: unknown = req.query['returnTo'];
      done(null, { id: profile.id, returnTo, scope: params.scope });
    },
  ),
);

function describe(profile: salesforce.SalesforceProfile): string {
  return `${profile.username} (${profile.organizationId})`;
}

const app = express();
app.get('/login', passport.authenticate('salesforce', { loginHint: 'ada@example.com' }));

export = { app, describe };

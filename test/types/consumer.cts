// A TypeScript (CommonJS) site: require-style imports of the same public types. Compiled with
// consumer.mts (see there).
/* eslint-disable @typescript-eslint/no-require-imports -- the CommonJS import form is what this file checks */
import express = require('express');
import passport = require('passport');
import salesforce = require('passport-salesforce-pkce');
import ForceDotCom = require('passport-salesforce-pkce/forcedotcom');
import SalesforceStrategy = require('passport-salesforce-pkce/salesforce');
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

// The peer packages' entry points, written as sites on passport-forcedotcom and passport-salesforce wrote them
// (four parameters need their types written out, as for SalesforcePkceStrategy: see consumer.mts).
passport.use(
  new ForceDotCom.Strategy(
    {
      clientID: 'key',
      clientSecret: 'secret',
      callbackURL: '/cb',
      authorizationURL: 'https://test.salesforce.com/services/oauth2/authorize',
    },
    (
      token: ForceDotCom.ForceDotComAccessToken,
      refreshToken: string | undefined,
      profile: ForceDotCom.ForceDotComProfile,
      done: salesforce.SalesforceVerifyCallback,
    ) => {
      done(null, { id: profile.id, instanceUrl: token.params.instance_url, accessToken: String(token), name: profile.name.givenName });
    },
  ),
);
passport.use(
  new SalesforceStrategy(
    { clientID: 'key', callbackURL: '/cb', proxy: true, profileURL: 'https://test.salesforce.com/services/oauth2/userinfo' },
    (accessToken, refreshToken, params, profile, done) => {
      done(null, { userId: profile['user_id'], instanceUrl: params.instance_url, accessToken });
    },
  ),
);
passport.use(
  new SalesforceStrategy.Strategy({ clientID: 'key', callbackURL: '/cb' }, (accessToken, refreshToken, params, profile, done) => {
    done(null, { instanceUrl: params.instance_url, email: profile['email'] });
  }),
);

const app = express();
app.get('/login', passport.authenticate('salesforce', { loginHint: 'ada@example.com' }));

export = { app, describe };

// A TypeScript (CommonJS) consumer: require-style resolution of the same public types.
import { Strategy, type SalesforceProfile } from 'passport-salesforce-pkce';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS import form is what this file checks
import passport = require('passport');

passport.use(new Strategy({ clientID: 'key', callbackURL: 'https://app.example.com/cb', clientSecret: 'secret' }, (accessToken, refreshToken, profile: SalesforceProfile, done) => {
  done(null, { id: profile.id, accessToken, refreshToken });
}));

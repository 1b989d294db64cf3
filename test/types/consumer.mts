// A TypeScript (ESM) site's use of the public types, compiled under `strict` by types.test.ts
// (this repository's TypeScript, against dist/) and by the type matrix in types.matrix.ts
// (@types/express 4 and 5; TypeScript 4.9, 5.0, 6.0 and 7.0; node10, node16/nodenext and bundler
// resolution; against the packed tarball). No line may need a newer TypeScript than 4.9.
import express from 'express';
import passport from 'passport';
import {
  SalesforceOAuthError,
  SalesforcePkceStrategy,
  Strategy,
  createPkcePair,
  verifyTokenSignature,
  type SalesforceProfile,
  type SalesforceStrategyOptions,
  type SalesforceTokenSet,
  type SalesforceVerifyFunction,
  type SalesforceVerifyFunctionWithParams,
  type SalesforceVerifyFunctionWithRequest,
} from 'passport-salesforce-pkce';
import { Strategy as ForceDotComStrategy, type ForceDotComProfile } from 'passport-salesforce-pkce/forcedotcom';
import PassportSalesforceStrategy, { Strategy as SalesforceStrategy } from 'passport-salesforce-pkce/salesforce';

const options: SalesforceStrategyOptions = {
  clientID: 'key',
  callbackURL: '/auth/salesforce/callback',
  loginURL: 'https://test.salesforce.com',
  scope: ['api', 'refresh_token'],
};

// Five parameters, inline: every parameter is inferred.
passport.use(
  new SalesforcePkceStrategy(options, (accessToken, refreshToken, params, profile, done) => {
    const instanceUrl: string = params.instance_url;
    const issuedAt: string = params.issued_at;
    const id: string = profile.id;
    const org: string = profile.organizationId;
    const token: string = accessToken;
    const refresh: string | undefined = refreshToken;
    done(null, { id, org, instanceUrl, issuedAt, token, refresh });
  }),
);

// passReqToCallback with six parameters, inline: inferred, the request is Express's.
passport.use(
  new Strategy(
    { ...options, name: 'with-req-params', passReqToCallback: true },
    (req, accessToken, refreshToken, params, profile, done) => {
      const path: string = req.path;
      done(null, { path, linkedTo: req.user, instanceUrl: params.instance_url, id: profile.id, accessToken, refreshToken });
    },
  ),
);

// Four parameters (and five with passReqToCallback) cannot be inferred inline. The constructor
// takes a union of the two verify forms, and TypeScript only infers a callback's parameters from
// a union when one member alone can take that many parameters: a five-parameter function type
// accepts a four-parameter callback, so both members fit and neither is used (TS7006). Overloads
// instead of the union do not help: TypeScript fixes an inline callback's parameter types from
// the first overload it tries, so whichever form comes second is never inferred.
// @ts-expect-error TS7006: the parameters of a four-parameter inline callback are implicitly any
passport.use(new SalesforcePkceStrategy(options, (accessToken, refreshToken, profile, done) => done(null, { id: profile.id })));
// The shortest typed alternatives: declare `params` (and leave it unused) ...
passport.use(
  new SalesforcePkceStrategy({ ...options, name: 'four' }, (accessToken, refreshToken, _params, profile, done) => {
    done(null, { id: profile.id, accessToken, refreshToken });
  }),
);
// ... or name the form with `satisfies` (TypeScript 4.9 and later) or a typed constant.
passport.use(
  new SalesforcePkceStrategy({ ...options, name: 'four-satisfies' }, ((accessToken, refreshToken, profile, done) => {
    done(null, { id: profile.id, accessToken, refreshToken });
  }) satisfies SalesforceVerifyFunction),
);
passport.use(
  new SalesforcePkceStrategy({ ...options, name: 'with-req', passReqToCallback: true }, ((
    req,
    accessToken,
    refreshToken,
    profile,
    done,
  ) => {
    done(null, { path: req.path, id: profile.id, accessToken, refreshToken });
  }) satisfies SalesforceVerifyFunctionWithRequest),
);
const withParams: SalesforceVerifyFunctionWithParams = (accessToken, refreshToken, params, profile, done) => {
  done(null, { instanceUrl: params.instance_url, username: profile.username, accessToken, refreshToken });
};
passport.use(new Strategy({ ...options, name: 'salesforce-sandbox' }, withParams));

// A callback written for @types/passport-oauth2, which types refreshToken as string, still fits.
passport.use(
  new Strategy(
    { ...options, name: 'oauth2-style' },
    (accessToken: string, refreshToken: string, profile: SalesforceProfile, done: (err: unknown, user?: Express.User) => void) => {
      done(null, { id: profile.id, accessToken, refreshToken });
    },
  ),
);

const app = express();
app.get(
  '/login',
  passport.authenticate('salesforce', {
    loginHint: 'ada@example.com',
    prompt: 'login',
    display: 'popup',
    loginURL: 'https://acme.my.salesforce.com',
  }),
);

// Multi-org apps list the login bases a request may choose.
passport.use(
  new SalesforcePkceStrategy(
    { ...options, name: 'multi-org', allowedLoginURLs: [/^https:\/\/[a-z0-9-]+\.my\.salesforce\.com$/] },
    (accessToken, refreshToken, params, profile, done) => done(null, profile),
  ),
);

async function lifecycle(strategy: SalesforcePkceStrategy, refreshToken: string): Promise<string | undefined> {
  const tokens: SalesforceTokenSet = await strategy.refresh(refreshToken, { loginURL: 'https://acme.my.salesforce.com' });
  await strategy.revoke(tokens.accessToken);
  const email: unknown = tokens.idTokenClaims?.email;
  return typeof email === 'string' ? email : undefined;
}

function describeProfile(profile: SalesforceProfile): string {
  const email = profile.emails[0];
  return `${profile.displayName} <${email ? email.value : ''}> on ${profile.instanceUrl || ''}`;
}

function describeError(error: unknown): string {
  return error instanceof SalesforceOAuthError ? `${error.error}: ${error.error_description}` : String(error);
}

const pair = createPkcePair();
const method: 'S256' = pair.codeChallengeMethod;
const ok: boolean = verifyTokenSignature({ id: 'x', issued_at: '1', signature: 'y' }, 'secret');

// @ts-expect-error clientID is required
new SalesforcePkceStrategy({ callbackURL: '/cb' }, (_a, _r, _params, _p, done) => done(null, false));
// @ts-expect-error display takes Salesforce's values only
passport.authenticate('salesforce', { display: 'fullscreen' });

export { app, describeError, describeProfile, lifecycle, method, ok };

// The peer packages' entry points: passport-forcedotcom's token object and profile, passport-salesforce's UserInfo profile.
passport.use(
  new ForceDotComStrategy({ clientID: 'key', callbackURL: '/cb', skipPhoto: true }, (token, refreshToken, params, profile, done) => {
    const user: { key: string; instanceUrl: string; photo?: string } = { key: profile.id, instanceUrl: params.instance_url };
    const photos: ForceDotComProfile['photos'] = profile.photos;
    done(null, { ...user, accessToken: token.toString(), photo: photos?.[0]?.value });
  }),
);
passport.use(
  new SalesforceStrategy(
    { clientID: 'key', callbackURL: '/cb', passReqToCallback: true },
    (req, accessToken, refreshToken, params, profile, done) => {
      done(null, { userId: profile['user_id'], path: req.path, accessToken, scope: params.scope });
    },
  ),
);
export const sameClass: boolean = PassportSalesforceStrategy === SalesforceStrategy;

// A TypeScript (ESM) consumer of the public types. Compiled under `strict` by types.test.ts.
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
  type SalesforceVerifyFunctionWithParams,
} from 'passport-salesforce-pkce';
import { startEmulator, type EmulatorConnectedApp } from 'salesforce-oauth-emulator';

const options: SalesforceStrategyOptions = {
  clientID: 'key',
  callbackURL: '/auth/salesforce/callback',
  loginURL: 'https://test.salesforce.com',
  scope: ['api', 'refresh_token'],
};

// The four-argument form is inferred from the constructor.
passport.use(new SalesforcePkceStrategy(options, (accessToken, refreshToken, profile, done) => {
  const id: string = profile.id;
  const org: string = profile.organizationId;
  const token: string = accessToken;
  const refresh: string | undefined = refreshToken;
  done(null, { id, org, token, refresh });
}));

// The five-argument form, typed through its exported function type.
const withParams: SalesforceVerifyFunctionWithParams = (accessToken, refreshToken, params, profile, done) => {
  const instanceUrl: string = params.instance_url;
  done(null, { instanceUrl, username: profile.username, accessToken, refreshToken });
};
passport.use(new Strategy({ ...options, name: 'salesforce-sandbox' }, withParams));

// passReqToCallback puts the request first.
passport.use(new SalesforcePkceStrategy({ ...options, name: 'with-req', passReqToCallback: true }, (req, accessToken, refreshToken, profile, done) => {
  done(null, { path: req.path, id: profile.id, accessToken, refreshToken });
}));

const app = express();
app.get('/login', passport.authenticate('salesforce', { loginHint: 'ada@example.com', prompt: 'login', display: 'popup', loginURL: 'https://acme.my.salesforce.com' }));

// Multi-org apps list the login bases a request may choose.
passport.use(new SalesforcePkceStrategy({ ...options, name: 'multi-org', allowedLoginURLs: [/^https:\/\/[a-z0-9-]+\.my\.salesforce\.com$/] }, (accessToken, refreshToken, profile, done) => done(null, profile)));

async function lifecycle(strategy: SalesforcePkceStrategy, refreshToken: string): Promise<string | undefined> {
  const tokens: SalesforceTokenSet = await strategy.refresh(refreshToken, { loginURL: 'https://acme.my.salesforce.com' });
  await strategy.revoke(tokens.accessToken);
  return tokens.idTokenClaims?.email;
}

function describeProfile(profile: SalesforceProfile): string {
  return `${profile.displayName} <${profile.emails[0]?.value ?? ''}> on ${profile.instanceUrl ?? ''}`;
}

function describeError(error: unknown): string {
  return error instanceof SalesforceOAuthError ? `${error.error}: ${error.error_description}` : String(error);
}

const pair = createPkcePair();
const method: 'S256' = pair.codeChallengeMethod;
const ok: boolean = verifyTokenSignature({ id: 'x', issued_at: '1', signature: 'y' }, 'secret');

const connectedApp: EmulatorConnectedApp = { clientId: 'key', redirectUris: ['http://127.0.0.1:3000/auth/salesforce/callback'] };
const emulator = await startEmulator({ apps: [connectedApp] });
const url: string = emulator.url;
await emulator.close();

// @ts-expect-error clientID is required
new SalesforcePkceStrategy({ callbackURL: '/cb' }, (_a, _r, _p, done) => done(null, false));
// @ts-expect-error display takes Salesforce's values only
passport.authenticate('salesforce', { display: 'fullscreen' });

export { app, describeError, describeProfile, lifecycle, method, ok, url };

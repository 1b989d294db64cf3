/**
 * The strategies' own code on a login start, without HTTP, Express or a session store:
 * `authenticate(req)` on Passport's per-request delegate, with a request whose session saves at
 * once, in a loop that awaits each redirect (openid-client redirects asynchronously). Prints one
 * JSON line: best-of-trials µs per login start for
 *
 * - `passport-floor`: 32 random bytes into the session, then redirect (the floor of any strategy);
 * - `passport-oauth2`: passport-oauth2 with `pkce: 'S256', state: true`;
 * - `openid-client`: openid-client 6's Passport strategy (a Configuration built without discovery);
 * - `strategy`: SalesforcePkceStrategy.
 *
 * It isolates what the frameworks around them hide, with far less noise than the HTTP numbers;
 * in a server the same code runs colder and costs more.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as oidc from 'openid-client';
import { Strategy as OpenIdClientStrategy } from 'openid-client/passport';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { SalesforcePkceStrategy } from 'passport-salesforce-pkce';

const [iterationsArg = '50000', trialsArg = '7'] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const trials = Number(trialsArg);
const loginURL = 'http://127.0.0.1:41234';
const clientID = '3MVG9bench.connected.app';
const callbackURL = '/auth/salesforce/callback';
const appHost = '127.0.0.1:40000';

const openIdConfig = new oidc.Configuration(
  {
    issuer: loginURL,
    authorization_endpoint: `${loginURL}/services/oauth2/authorize`,
    token_endpoint: `${loginURL}/services/oauth2/token`,
    code_challenge_methods_supported: ['S256'],
  },
  clientID,
  's',
);
// As in the HTTP benchmark: openid-client refuses http: endpoints unless told.
oidc.allowInsecureRequests(openIdConfig);

const strategies = {
  'passport-floor': {
    authenticate(req) {
      const value = randomBytes(32).toString('base64url');
      req.session.pending = value;
      req.session.save(() => this.redirect(`${loginURL}/services/oauth2/authorize?state=${value}`));
    },
  },
  'passport-oauth2': new OAuth2Strategy(
    {
      authorizationURL: `${loginURL}/services/oauth2/authorize`,
      tokenURL: `${loginURL}/services/oauth2/token`,
      clientID,
      clientSecret: 's',
      callbackURL,
      pkce: 'S256',
      state: true,
    },
    () => {},
  ),
  'openid-client': new OpenIdClientStrategy({ config: openIdConfig, callbackURL: `http://${appHost}${callbackURL}` }, () => {}),
  strategy: new SalesforcePkceStrategy({ clientID, clientSecret: 's', loginURL, callbackURL }, () => {}),
};

const app = { get: (name) => (name === 'trust proxy fn' ? () => false : false) };
let location = '';
function loginStart(strategy) {
  return new Promise((resolve, reject) => {
    // What Passport's authenticate middleware does per request: a delegate with the action functions.
    const delegate = Object.create(strategy);
    delegate.redirect = (url) => {
      location = url;
      resolve();
    };
    delegate.error = reject;
    delegate.fail = (info) => reject(new Error(`failed: ${JSON.stringify(info)}`));
    const headers = { host: appHost };
    const req = {
      method: 'GET',
      protocol: 'http',
      url: '/auth/salesforce',
      originalUrl: '/auth/salesforce',
      headers,
      get: (name) => headers[name.toLowerCase()],
      socket: {},
      connection: {},
      app,
      query: {},
      session: { cookie: {}, save: (callback) => callback() },
    };
    delegate.authenticate(req, {});
  });
}

const best = {};
for (let trial = 0; trial < trials; trial += 1) {
  for (const [name, strategy] of Object.entries(strategies)) {
    const start = performance.now();
    for (let i = 0; i < iterations; i += 1) await loginStart(strategy);
    const micros = ((performance.now() - start) * 1000) / iterations;
    best[name] = Math.min(best[name] ?? Infinity, micros);
    if (!location.includes('code_challenge=') && name !== 'passport-floor')
      throw new Error(`${name} did not redirect with a code challenge`);
  }
}
process.stdout.write(`${JSON.stringify({ iterations, trials, microsPerLoginStart: best })}\n`);

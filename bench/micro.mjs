/**
 * The strategies' own code on a login start, without HTTP, Express or a session store:
 * `authenticate(req)` on Passport's per-request delegate, with a request whose session saves at
 * once, in a hot loop. Prints one JSON line: best-of-trials µs per login start for
 *
 * - `passport-floor`: 32 random bytes into the session, then redirect (the floor of any strategy);
 * - `passport-oauth2`: passport-oauth2 with `pkce: 'S256', state: true`;
 * - `strategy`: SalesforcePkceStrategy.
 *
 * It isolates what the frameworks around them hide, with far less noise than the HTTP numbers;
 * in a server the same code runs colder and costs more.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { SalesforcePkceStrategy } from 'passport-salesforce-pkce';

const [iterationsArg = '50000', trialsArg = '7'] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const trials = Number(trialsArg);
const loginURL = 'http://127.0.0.1:41234';
const clientID = '3MVG9bench.connected.app';
const callbackURL = '/auth/salesforce/callback';

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
  strategy: new SalesforcePkceStrategy({ clientID, clientSecret: 's', loginURL, callbackURL }, () => {}),
};

const app = { get: () => false };
let location = '';
function loginStart(strategy) {
  // What Passport's authenticate middleware does per request: a delegate with the action functions.
  const delegate = Object.create(strategy);
  delegate.redirect = (url) => {
    location = url;
  };
  delegate.error = (error) => {
    throw error;
  };
  delegate.fail = (info) => {
    throw new Error(`failed: ${JSON.stringify(info)}`);
  };
  const req = {
    method: 'GET',
    url: '/auth/salesforce',
    originalUrl: '/auth/salesforce',
    headers: { host: '127.0.0.1:40000' },
    socket: {},
    connection: {},
    app,
    query: {},
    session: { cookie: {}, save: (callback) => callback() },
  };
  delegate.authenticate(req, {});
}

const best = {};
for (let trial = 0; trial < trials; trial += 1) {
  for (const [name, strategy] of Object.entries(strategies)) {
    const start = performance.now();
    for (let i = 0; i < iterations; i += 1) loginStart(strategy);
    const micros = ((performance.now() - start) * 1000) / iterations;
    best[name] = Math.min(best[name] ?? Infinity, micros);
    if (!location.includes('state=')) throw new Error(`${name} did not redirect with a state`);
  }
}
process.stdout.write(`${JSON.stringify({ iterations, trials, microsPerLoginStart: best })}\n`);

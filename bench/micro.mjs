/**
 * Two loops without HTTP, Express or a session store, each printed as best-of-trials µs.
 *
 * The strategies' own code on a login start:
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
 *
 * The id_token check's candidates, verifying the same RS256 id_token (10 in flight, CPU time of
 * this process, all threads, per verify): jose 6 `jwtVerify` with a local JWK set and with a
 * `KeyObject` (WebCrypto underneath), jsonwebtoken 9 and fast-jwt 6 with a `KeyObject` or PEM
 * (node:crypto underneath), `node:crypto` `verify` plus parsing the payload (no claim checked:
 * the floor), and this package's `IdTokenVerifier` (jsonwebtoken, the key looked up by `kid`
 * in the cached key set, and the claim checks jsonwebtoken leaves).
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createVerifier } from 'fast-jwt';
import * as jose from 'jose';
import jwt from 'jsonwebtoken';
import * as oidc from 'openid-client';
import { Strategy as OpenIdClientStrategy } from 'openid-client/passport';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { SalesforcePkceStrategy } from 'passport-salesforce-pkce';
import { IdTokenVerifier } from '../dist/esm/id-token.js';

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

// The id_token check: one RS256 key pair, one token with the claims Salesforce sends.
const issuer = loginURL;
const now = Math.floor(Date.now() / 1000);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: '188', alg: 'RS256', use: 'sig' };
const identityUrl = `${issuer}/id/00D000000000001AAA/005000000000001AAA`;
const idToken = await new jose.SignJWT({ nonce: 'n' })
  .setProtectedHeader({ alg: 'RS256', kid: '188', typ: 'JWT' })
  .setIssuer(issuer)
  .setSubject(identityUrl)
  .setAudience(clientID)
  .setIssuedAt(now)
  .setExpirationTime(now + 300)
  .sign(privateKey);
const keyObject = createPublicKey({ key: jwk, format: 'jwk' });
const joseOptions = { issuer, audience: clientID, algorithms: ['RS256'], clockTolerance: 30, maxTokenAge: 900 };
const localKeySet = jose.createLocalJWKSet({ keys: [jwk] });
const fastJwt = createVerifier({
  key: keyObject.export({ format: 'pem', type: 'spki' }),
  algorithms: ['RS256'],
  allowedIss: issuer,
  allowedAud: clientID,
  clockTolerance: 30_000,
  maxAge: 900_000,
  complete: true,
});
const verifier = new IdTokenVerifier(async () => ({ keys: [jwk] }));
const verifiers = {
  'jose-jwks': () => jose.jwtVerify(idToken, localKeySet, joseOptions),
  'jose-keyobject': () => jose.jwtVerify(idToken, keyObject, joseOptions),
  jsonwebtoken: async () =>
    jwt.verify(idToken, keyObject, { issuer, audience: clientID, algorithms: ['RS256'], clockTolerance: 30, maxAge: 900, complete: true }),
  'fast-jwt': async () => fastJwt(idToken),
  'node-crypto': async () => {
    const [header, payload, signature] = idToken.split('.');
    if (!verify('sha256', Buffer.from(`${header}.${payload}`), keyObject, Buffer.from(signature, 'base64url')))
      throw new Error('signature');
    return JSON.parse(Buffer.from(payload, 'base64url').toString());
  },
  strategy: () => verifier.verify(idToken, { issuer, audience: clientID, nonce: 'n', identityUrl }),
};
const verifyIterations = Math.max(1000, Math.round(iterations / 10 / 10) * 10);
const bestVerify = {};
const bestVerifyCpu = {};
for (let trial = 0; trial < trials; trial += 1) {
  for (const [name, check] of Object.entries(verifiers)) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < verifyIterations; i += 10) await Promise.all(Array.from({ length: 10 }, check));
    const used = process.cpuUsage(cpu);
    bestVerify[name] = Math.min(bestVerify[name] ?? Infinity, ((performance.now() - start) * 1000) / verifyIterations);
    bestVerifyCpu[name] = Math.min(bestVerifyCpu[name] ?? Infinity, (used.user + used.system) / verifyIterations);
  }
}
process.stdout.write(
  `${JSON.stringify({
    iterations,
    trials,
    microsPerLoginStart: best,
    idToken: { iterations: verifyIterations, microsPerVerify: bestVerify, cpuMicrosPerVerify: bestVerifyCpu },
  })}\n`,
);

import type { Agent } from 'node:http';
import type { Request } from 'express';
import { Strategy as OAuth2Strategy, type VerifyFunction as OAuth2VerifyFunction } from 'passport-oauth2';
import { checkIdentityURL, loginBase, loginTarget, parseSalesforceURL, type LoginTarget } from './endpoints.js';
import {
  IdentityOriginError,
  IdTokenError,
  InvalidOptionError,
  LoginURLNotAllowedError,
  SalesforceAuthorizationError,
  SalesforceError,
  SalesforceResponseError,
  withIssuedTokens,
} from './errors.js';
import { IdTokenVerifier, type IdTokenExpectations } from './id-token.js';
import { adaptOAuth2 } from './oauth2-compat.js';
import {
  resolveOptions,
  type ResolvedOptions,
  type SalesforceStrategyOptions,
  type SalesforceStrategyOptionsWithRequest,
  type SkipUserProfile,
} from './options.js';
import {
  newPendingLogin,
  PendingLoginStore,
  STATE_FAILURES,
  takenPendingLogin,
  type PendingLogin,
  type PendingLoginStateStore,
  type StateStoreMeta,
  type StateStoreVerifyCallback,
} from './pending-logins.js';
import { createPkcePair } from './pkce.js';
import { randomToken } from './random.js';
import { buildProfile, profileFromIdentityUrl } from './profile.js';
import {
  authorizationParams,
  authorizationQuery,
  extraParams,
  formEncode,
  hasOpenIdScope,
  STRATEGY_AUTHORIZATION_FIELDS,
  STRATEGY_TOKEN_FIELDS,
  type SalesforceAuthenticateOptions,
} from './authorization-params.js';
import { callbackParams, callbackText } from './callback-query.js';
import { redirectURI, untrustedProxyProblem } from './redirect-uri.js';
import { fetchKeys, fetchWithToken, requestToken, revokeToken, type CallOptions } from './salesforce-client.js';
import { isPromiseLike, prepareLogin } from './session.js';
import { strictSessionCookieProblem } from './session-cookie.js';
import { checkTokenResponse, toTokenSet } from './token-response.js';
import { noUserWarning, warnOnce } from './warnings.js';
import type {
  AnyVerifyFunction,
  SalesforceIdTokenClaims,
  SalesforceTokenCallOptions,
  SalesforceTokenParams,
  SalesforceTokenSet,
  SalesforceVerifyCallback,
  SalesforceVerifyFunction,
  SalesforceVerifyFunctionWithParams,
  SalesforceVerifyFunctionWithRequest,
  SalesforceVerifyFunctionWithRequestAndParams,
  SalesforceProfile,
  TokenResponse,
} from './types.js';

/**
 * SalesforcePkceStrategy: the login flow (redirect, callback, token exchange, checks, profile,
 * verify) and the token lifecycle, wired into passport-oauth2's hooks.
 */

declare module 'passport' {
  interface AuthenticateOptions {
    /** Salesforce `login_hint`: pre-fills the username on the login page. */
    loginHint?: string | undefined;
    /** Salesforce `display`: `page` (default), `popup`, `touch` or `mobile`. */
    display?: 'page' | 'popup' | 'touch' | 'mobile' | undefined;
    /** The login base for this login; must be allowed by the strategy's `allowedLoginURLs`. */
    loginURL?: string | undefined;
  }
}

/**
 * The login whose profile is being loaded: what the default `userProfile(accessToken, done)`
 * needs and passport-oauth2's signature does not carry.
 */
interface ProfileContext {
  /** The access token the login was issued. */
  accessToken: string;
  /** The identity URL, already checked to belong to the login. */
  identityURL: URL;
  instanceUrl: string | undefined;
  /** The user and org the tokens were issued to, as the identity URL names them. */
  issuedTo: SalesforceProfile;
}

/** What a verify callback threw or rejected with, as the login's error: an `Error` unchanged. */
function verifyFailure(thrown: unknown): Error {
  return thrown instanceof Error
    ? thrown
    : new SalesforceError('VERIFY_CALLBACK_FAILED', 'The verify callback failed without an Error', { cause: thrown });
}

/**
 * Passport strategy for Salesforce's OAuth 2.0 web server flow with PKCE (S256, always on).
 *
 * It extends passport-oauth2's `Strategy` and replaces its `authenticate`, honouring what
 * passport-oauth2 users customise:
 * - `authorizationParams(options)` and `tokenParams(options)`: extra fields on the authorization
 *   request and on the code exchange; the strategy's own fields (`client_id`, `redirect_uri`,
 *   `state`, `code_challenge`, `code_verifier`, `code`, `grant_type`, `client_secret`, …) cannot
 *   be set by them (a `TypeError` says which);
 * - `userProfile(accessToken, done)`: its default reads the login's identity URL; override it to
 *   replace or extend the profile;
 * - `parseErrorResponse(body, status)`: an `Error` it returns replaces the typed error of a
 *   failed token request (code exchange and `refresh()`);
 * - `skipUserProfile` (option): `true`, or a function as in passport-oauth2;
 * - `store` (option): passport-oauth2's PKCE state store interface;
 * - `_oauth2`: `setAgent(agent)` sets the agent of every call to Salesforce (as the `agent`
 *   option does), `setAuthMethod(scheme)` the identity request's Authorization scheme;
 *   `getOAuthAccessToken()` goes through the strategy's client with `refresh()`'s checks;
 *   `get()` sends the token in the Authorization header; `useAuthorizationHeaderforGET(false)` and `setAccessTokenName()`
 *   throw, because access tokens never go in URLs.
 *
 * @example
 * passport.use(new SalesforcePkceStrategy({
 *   clientID: process.env.SF_CLIENT_ID!,
 *   callbackURL: '/auth/salesforce/callback',
 * }, (accessToken, refreshToken, params, profile, done) => done(null, { id: profile.id })));
 */
export class SalesforcePkceStrategy extends OAuth2Strategy {
  // Passport runs each request on `Object.create(strategy)`, so per-instance state is kept in
  // ordinary (prototype-reachable) members rather than #private fields.
  /** @internal */
  private readonly _config: ResolvedOptions;
  /** @internal */
  private readonly _verifyCallback: AnyVerifyFunction;
  /** @internal */
  private readonly _idTokens: IdTokenVerifier;
  /** @internal The consumer key, form-encoded once for every authorization request. */
  private readonly _encodedClientID: string;
  /** @internal The last `redirect_uri` form-encoded: a site usually has one. */
  private readonly _lastRedirectURI = { uri: '', encoded: '' };
  /**
   * @internal The login in progress, set on the per-request object passport runs
   * (`Object.create(strategy)`) once its tokens are checked: the default userProfile's context.
   */
  declare private _profileContext: ProfileContext | undefined;
  // passport-oauth2's own members, set here, read by the flow: code that reads or replaces them keeps working.
  /** @internal */
  declare private _stateStore: PendingLoginStateStore;
  /** @internal */
  declare private _skipUserProfile: SkipUserProfile;

  // One signature per options form, each taking the union of its two verify forms, as
  // @types/passport-oauth2 does. From a union, TypeScript infers an inline callback's parameters
  // when only one member has at least as many parameters as the callback declares: a callback
  // with `params` (5, or 6 with the request) is inferred; one without it matches both members and
  // is not (test/types/consumer.mts shows the one-word fix). Overloads per arity would do the
  // opposite: the first overload tried fixes the parameter types, so the longer forms would lose.
  /**
   * Builds the strategy. Every option is checked here: a bad one throws an `InvalidOptionError`
   * (a `TypeError`) that names it.
   *
   * @param options The Connected App and how to log in; only `clientID` and `callbackURL` are
   *   required, and every other option has its default in {@link SalesforceStrategyOptionsBase}.
   * @param verify `(accessToken, refreshToken, params, profile, done)` or
   *   `(accessToken, refreshToken, profile, done)`: decides who the user is.
   * @example
   * const strategy = new SalesforcePkceStrategy({
   *   clientID: process.env.SF_CLIENT_ID!,
   *   clientSecret: process.env.SF_CLIENT_SECRET, // leave out for a public client
   *   loginURL: 'https://test.salesforce.com',    // a sandbox; default https://login.salesforce.com
   *   callbackURL: '/auth/salesforce/callback',
   *   scope: ['api', 'refresh_token'],
   * }, (accessToken, refreshToken, params, profile, done) => {
   *   done(null, { id: profile.id, instanceUrl: params.instance_url, accessToken, refreshToken });
   * });
   * passport.use(strategy); // keep `strategy` for refresh() and revoke()
   */
  constructor(options: SalesforceStrategyOptions, verify: SalesforceVerifyFunction | SalesforceVerifyFunctionWithParams);
  /**
   * Builds a strategy whose verify callback takes the request first.
   *
   * @param options As in the first form, with `passReqToCallback: true`.
   * @param verify `(req, accessToken, refreshToken, params, profile, done)` or
   *   `(req, accessToken, refreshToken, profile, done)`.
   */
  constructor(
    options: SalesforceStrategyOptionsWithRequest,
    verify: SalesforceVerifyFunctionWithRequest | SalesforceVerifyFunctionWithRequestAndParams,
  );
  constructor(options: SalesforceStrategyOptions | SalesforceStrategyOptionsWithRequest, verify: AnyVerifyFunction) {
    const config = resolveOptions(options);
    if (typeof verify !== 'function') {
      throw new InvalidOptionError(
        'SalesforcePkceStrategy: the verify callback must be a function (accessToken, refreshToken, [params,] profile, done)',
      );
    }
    super(
      {
        authorizationURL: config.login.authorizationURL.href,
        tokenURL: config.login.tokenURL.href,
        clientID: config.clientID,
        clientSecret: config.clientSecret ?? '',
        callbackURL: config.callbackURL,
        sessionKey: config.sessionKey,
      },
      // passport-oauth2 keeps it as `_verify`; this class calls its own typed copy.
      verify as unknown as OAuth2VerifyFunction,
    );
    this.name = config.name;
    this._config = config;
    this._stateStore =
      config.store ?? new PendingLoginStore({ key: config.sessionKey, ttl: config.pendingLoginTtl, max: config.maxPendingLogins });
    this._skipUserProfile = config.skipUserProfile;
    this._verifyCallback = verify;
    this._encodedClientID = formEncode(config.clientID);
    this._idTokens = new IdTokenVerifier((url) => fetchKeys(url, this._callOptions()));
    adaptOAuth2(this._oauth2, (endpoint, form) => this._checkedTokenRequest(endpoint, config.login, form));
    if (config.agent) this._oauth2.setAgent(config.agent);
  }

  /**
   * Maps the per-request options to Salesforce's authorization parameters: `scope` (space-separated;
   * the strategy's `scope` when absent), `prompt`, `login_hint` and `display`. Override it to add
   * parameters; `super.authorizationParams(options)` gives these.
   */
  override authorizationParams(options: SalesforceAuthenticateOptions): Record<string, string> {
    return authorizationParams(options, this._config.scope);
  }

  /**
   * Extra fields for the code exchange, from the callback's `authenticate` options. Default: none.
   * The strategy's own fields (`grant_type`, `code`, `redirect_uri`, `code_verifier`,
   * `client_id`, `client_secret`) cannot be set here.
   */
  override tokenParams(_options: SalesforceAuthenticateOptions): Record<string, string> {
    return {};
  }

  /**
   * Loads the profile for the verify callback: GETs the login's identity URL (checked to belong to
   * the login) with the access token in the Authorization header, and maps it to a
   * `SalesforceProfile`. Override it to replace or extend the profile, calling `done` once;
   * `super.userProfile(accessToken, done)` works only during a login, with that login's access
   * token (it is how it finds the login's identity URL), and otherwise calls back with a `TypeError`.
   */
  override userProfile(accessToken: string, done: (err: Error | null, profile?: SalesforceProfile) => void): void {
    this._identityProfile(accessToken).then(
      (profile) => done(null, profile),
      (error: unknown) => done(error as Error),
    );
  }

  /**
   * Reads an error answer of the token endpoint (code exchange and `refresh()`); in `body` the
   * call's secrets are `[redacted]` as sent, percent- or form-encoded (either case, once or
   * twice), base64 or base64url, but not in other encodings or in part: do not log it. Return an `Error` to raise it instead of the strategy's own
   * `SalesforceOAuthError`/`SalesforceResponseError`; `null` (the default) keeps those.
   */
  override parseErrorResponse(_body: string, _status: number): Error | null {
    return null;
  }

  /** Starts a login (redirect to Salesforce) or finishes one (the callback with `code` or `error`). */
  override authenticate(req: Request, options: SalesforceAuthenticateOptions = {}): void {
    const param = callbackParams(req);
    if (param('code') !== undefined || param('error') !== undefined) {
      this._finishLogin(req, param, options).catch((error: unknown) => this.error(error as Error));
    } else {
      this._startLogin(req, options);
    }
  }

  /** @internal The redirect to Salesforce: a pending login kept, then the authorization request. */
  private _startLogin(req: Request, options: SalesforceAuthenticateOptions): void {
    let params: Record<string, string>;
    let redirectTo: string;
    try {
      params = extraParams('authorizationParams', this.authorizationParams(options), STRATEGY_AUTHORIZATION_FIELDS);
      redirectTo = redirectURI(this._config.callbackURL, req, this._config.trustProxy);
    } catch (error) {
      this.error(error as Error);
      return;
    }
    let login: LoginTarget;
    try {
      login = this._loginTarget(options.loginURL);
    } catch (error) {
      // Refused before any redirect: nothing has reached the host the request named.
      this.fail({ message: (error as Error).message }, 400);
      return;
    }
    const proxyProblem = untrustedProxyProblem(req, this._config.trustProxy);
    if (proxyProblem !== undefined) warnOnce(this._config, 'SALESFORCE_PKCE_UNTRUSTED_PROXY', proxyProblem);
    const pkce = createPkcePair();
    const nonce = hasOpenIdScope(params.scope) ? randomToken(16) : undefined;
    const loginURL = login === this._config.login ? undefined : login.baseURL;
    try {
      const record = newPendingLogin(options.state, { nonce, loginURL }, Date.now());
      this._stateStore.store(req, pkce.codeVerifier, record, this._storeMeta(login, redirectTo), (err, handle) => {
        if (err) {
          this.error(err);
          return;
        }
        if (typeof handle !== 'string' || handle === '') {
          this.error(new SalesforceError('STATE_STORE_FAILED', 'The state store called back without a handle for the pending login'));
          return;
        }
        const query = authorizationQuery(params, {
          clientID: this._encodedClientID,
          redirectURI: this._encodedRedirectURI(redirectTo),
          state: formEncode(handle),
          codeChallenge: pkce.codeChallenge,
          nonce,
        });
        // Login URLs carry no query or fragment (parseSalesforceURL refuses them), so the query is appended.
        this.redirect(`${login.authorizationURL.href}?${query}`);
      });
    } catch (error) {
      this.error(error as Error);
    }
  }

  /**
   * @internal The callback: the pending login taken, Salesforce's answer read, the code
   * exchanged, the tokens checked, the profile loaded, the session readied, the verify callback.
   */
  private async _finishLogin(
    req: Request,
    param: (name: string) => string | null | undefined,
    options: SalesforceAuthenticateOptions,
  ): Promise<void> {
    const handle = param('state');
    if (typeof handle !== 'string' || handle === '') {
      this.fail({ message: STATE_FAILURES.missing }, 403);
      return;
    }
    // The authorization request's redirect_uri again, for the state store's `meta` and the code exchange.
    const redirectTo = redirectURI(this._config.callbackURL, req, this._config.trustProxy);
    const pending = await this._takePendingLogin(req, handle, redirectTo);
    if (!('verifier' in pending)) {
      const cookieProblem = strictSessionCookieProblem(req, this._config.sessionKey);
      if (cookieProblem !== undefined) warnOnce(this._config, 'SALESFORCE_PKCE_STRICT_SESSION_COOKIE', cookieProblem);
      this.fail(pending, 403);
      return;
    }
    const error = param('error');
    if (error !== undefined) {
      const code = callbackText(error, 64) || 'unknown_error';
      const description = callbackText(param('error_description'), 256);
      if (code === 'access_denied') this.fail({ message: description || 'The Salesforce login was denied' });
      else this.error(new SalesforceAuthorizationError(code, description));
      return;
    }
    const code = param('code');
    if (typeof code !== 'string' || code === '') {
      this.fail({ message: 'The callback carries no single authorization code' }, 400);
      return;
    }
    // The login base comes from the pending login, never from the callback's query.
    const login = this._loginTarget(pending.loginURL);
    // When an id_token is expected (openid asked for, or one came from this host before), the
    // host's keys are fetched if stale or missing while the code is exchanged: a cold key cache
    // then costs no round trip of its own. A failed fetch is reported when the id_token is checked.
    const keys = this._idTokens.prefetchKeys(login.baseURL, pending.nonce !== undefined).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    const tokens = await this._requestToken('token', login.tokenURL, {
      ...extraParams('tokenParams', this.tokenParams(options), STRATEGY_TOKEN_FIELDS),
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectTo,
      code_verifier: pending.verifier,
    });
    let profile: SalesforceProfile;
    try {
      profile = await this._checkLogin(tokens, login, pending.nonce, keys);
    } catch (error) {
      await this._revokeIssued(login, tokens);
      throw error;
    }
    // passport logs the user in when the verify callback finds one. Whatever the state store, the
    // session is readied for that (session.ts): the methods cookie-session lacks, the other tabs'
    // pending logins kept across passport's regenerate, a new session id on every passport version.
    prepareLogin(req, this._config.sessionKey);
    this._callVerify(req, tokens as SalesforceTokenParams, profile, pending.state, () => this._revokeIssued(login, tokens));
  }

  /**
   * @internal The pending login named by `handle`, taken from the state store and checked, or
   * why the callback is refused.
   */
  private async _takePendingLogin(req: Request, handle: string, redirectTo: string): Promise<PendingLogin | { message: string }> {
    const store = this._stateStore;
    const { verifier, state } = await new Promise<{ verifier: unknown; state: unknown }>((resolve, reject) => {
      const callback: StateStoreVerifyCallback = (err, verifier, state) => (err ? reject(err) : resolve({ verifier, state }));
      // passport-oauth2 passes `meta` to a verify that takes four arguments.
      if (store.verify.length >= 4) {
        const meta = this._storeMeta(this._config.login, redirectTo);
        (store.verify as (req: Request, handle: string, meta: StateStoreMeta, callback: StateStoreVerifyCallback) => void).call(
          store,
          req,
          handle,
          meta,
          callback,
        );
      } else {
        (store.verify as (req: Request, handle: string, callback: StateStoreVerifyCallback) => void).call(store, req, handle, callback);
      }
    });
    if (typeof verifier !== 'string') {
      const message = (state as { message?: unknown } | undefined)?.message;
      return { message: typeof message === 'string' ? message : STATE_FAILURES.unknown };
    }
    const pending = takenPendingLogin(verifier, state, Date.now(), this._config.pendingLoginTtl * 1000);
    if (pending === 'expired') return { message: STATE_FAILURES.expired };
    if (!pending)
      throw new SalesforceError(
        'STATE_STORE_FAILED',
        "The state store's verify() handed back a pending login unlike the one store() was given: a store must keep the verifier and state unchanged",
      );
    return pending;
  }

  /**
   * @internal Everything checked between the code exchange and the verify callback; adds
   * `id_token_claims`. `keys` is the fetch of the login host's keys started with the code exchange.
   */
  private async _checkLogin(
    tokens: TokenResponse,
    login: LoginTarget,
    nonce: string | undefined,
    keys: Promise<{ error: unknown } | undefined>,
  ): Promise<SalesforceProfile> {
    const instanceUrl = this._checkTokens('token', tokens, login);
    // Any id_token reaching the app is verified: also one a Connected App grants without openid
    // being asked for (then there is no nonce to check).
    if (nonce !== undefined && typeof tokens.id_token !== 'string') throw new IdTokenError('missing');
    if (typeof tokens.id_token === 'string') {
      const keysFailed = await keys;
      if (keysFailed) throw keysFailed.error;
      (tokens as SalesforceTokenParams).id_token_claims = await this._idTokens.verify(
        tokens.id_token,
        this._idTokenExpectations(login, tokens, nonce),
      );
    }
    return this._profile(tokens, login, instanceUrl);
  }

  /**
   * @internal The profile for the verify callback: the identity URL is checked to belong to the
   * login whatever `userProfile` does; a skipped profile is what the identity URL tells.
   */
  private async _profile(tokens: TokenResponse, login: LoginTarget, instance: URL | undefined): Promise<SalesforceProfile> {
    // Checked by checkTokenResponse: a string, or absent.
    const instanceUrl = instance === undefined ? undefined : tokens.instance_url;
    const check = checkIdentityURL(tokens.id, { loginOrigins: login.origins, instanceUrl: instance });
    if (!check.ok) throw new IdentityOriginError(check.origin);
    const idProfile = profileFromIdentityUrl(check.url.href, instanceUrl);
    if (!idProfile) throw new SalesforceResponseError('token', 200, 'the identity URL has no /id/{orgId}/{userId} path');
    const accessToken = tokens.access_token;
    // passport-oauth2's userProfile(accessToken, done) carries no login: the login's context goes
    // on `this`, the object passport made for this request with `Object.create(strategy)`.
    this._profileContext = { accessToken, identityURL: check.url, instanceUrl, issuedTo: idProfile };
    const loaded = await new Promise<SalesforceProfile | undefined>((resolve, reject) => {
      this._loadUserProfile(accessToken, (err, profile) => (err ? reject(err) : resolve(profile)));
    });
    return loaded ?? idProfile;
  }

  /**
   * @internal passport-oauth2's own step, with its `skipUserProfile` semantics: a function of
   * more than one argument is `(accessToken, done)` and calls back `done(err, skip)`; any other is
   * called with the access token and returns `skip`. Then `userProfile`, unless skipped.
   */
  private _loadUserProfile(accessToken: string, done: (err: unknown, profile?: SalesforceProfile) => void): void {
    const skip = this._skipUserProfile;
    const load = (skipIt: unknown): void => {
      if (skipIt) done(null);
      else this.userProfile(accessToken, done);
    };
    if (typeof skip !== 'function') load(skip);
    else if (skip.length > 1) skip(accessToken, (err, skipIt) => (err ? done(err) : load(skipIt)));
    else load((skip as (accessToken: string) => unknown)(accessToken));
  }

  /** @internal The default userProfile's work: the identity of the login in progress with this access token. */
  private async _identityProfile(accessToken: string): Promise<SalesforceProfile> {
    const login = this._profileContext;
    // A token of another login (or none in progress) has no identity URL here.
    if (login?.accessToken !== accessToken) {
      throw new InvalidOptionError(
        'userProfile(accessToken, done) reads the identity URL of the login in progress with that access token, and there is none',
      );
    }
    const { json, raw } = await this._fetchWithToken('identity', login.identityURL, accessToken);
    const profile = buildProfile(json, raw, login.instanceUrl);
    if (!profile) throw new SalesforceResponseError('identity', 200, 'the answer is not a Salesforce identity');
    // The user the tokens were issued to (and the id_token's sub) is the one in the identity URL;
    // an identity of anyone else would log the session in as them.
    const { issuedTo } = login;
    if (profile.id !== issuedTo.id || profile.organizationId !== issuedTo.organizationId) {
      throw new SalesforceResponseError('identity', 200, "the identity is another user than the token response's id");
    }
    return profile;
  }

  /**
   * @internal Whether the verify callback takes `params`, as passport-oauth2 decides: by the
   * number of parameters it declares. A callback that declares none (a rest parameter, or the
   * wrapper NestJS's `PassportStrategy` mixin hands over, `async (...params) => this.validate(...params)`)
   * is judged by the strategy's own `validate` method when it has one (which gets no `done`);
   * otherwise it is called without `params`, and a warning says so once.
   */
  private _verifyTakesParams(verify: (...args: unknown[]) => void): boolean {
    const request = this._config.passReqToCallback ? 1 : 0;
    if (verify.length > 0) return verify.length >= 5 + request;
    const validate = (this as { validate?: unknown }).validate;
    if (typeof validate === 'function' && validate.length > 0) return validate.length >= 4 + request;
    warnOnce(
      this._config,
      'SALESFORCE_PKCE_VERIFY_FORM',
      `SalesforcePkceStrategy "${this._config.name}": the verify callback declares no parameters, so whether it takes params cannot be told; ` +
        'it is called as (accessToken, refreshToken, profile, done). Declare its parameters ' +
        '(accessToken, refreshToken, params, profile, done) to be given the token response (docs/frameworks.md)',
    );
    return false;
  }

  /**
   * @internal Calls the app's verify callback; when it refuses the user or fails, the tokens it
   * was given are revoked (`revokeIssued`) before the login ends.
   */
  private _callVerify(
    req: Request,
    params: SalesforceTokenParams,
    profile: SalesforceProfile,
    state: unknown,
    revokeIssued: () => Promise<void>,
  ): void {
    let answered = false;
    const done: SalesforceVerifyCallback = (err, user, info) => {
      if (answered) return;
      answered = true;
      if (err) void revokeIssued().then(() => this.error(err as Error));
      else if (!user) {
        // A login that fails with no reason is what a verify callback written for another package's arguments does.
        if (info === undefined || info === null) warnOnce(this._config, 'SALESFORCE_PKCE_NO_USER', noUserWarning(this._config.name, user));
        void revokeIssued().then(() => this.fail(info ?? {}));
      } else this.success(user, state === undefined ? (info ?? {}) : { ...info, state });
    };
    const verify = this._verifyCallback as (...args: unknown[]) => void;
    const withParams = this._verifyTakesParams(verify);
    // The token response is Salesforce's JSON: hand over a refresh token only when it is a string, as the types promise.
    const refreshToken = typeof params.refresh_token === 'string' ? params.refresh_token : undefined;
    const args = [params.access_token, refreshToken, ...(withParams ? [params] : []), profile, done];
    let returned: unknown;
    try {
      returned = verify(...(this._config.passReqToCallback ? [req, ...args] : args));
    } catch (error) {
      // Thrown before done: the login errs. Thrown by done itself (the app's success handling):
      // rethrown, so _finishLogin reports it through this.error as passport-oauth2 would.
      if (answered) throw error;
      done(verifyFailure(error));
      return;
    }
    // An async verify callback that rejects before calling done must not hang the request.
    if (isPromiseLike(returned)) {
      Promise.resolve(returned).catch((error: unknown) => done(verifyFailure(error)));
    }
  }

  // The token lifecycle after a login, then what the login and the lifecycle share.

  /**
   * Exchanges a refresh token for a new access token. Sends the client secret only when one is
   * configured, checks the `signature` when `verifyTokenSignature` is on, checks `instance_url`,
   * and verifies an id_token when one comes back. Rejects with a `SalesforceError`; a revoked or
   * expired refresh token is a `SalesforceOAuthError` with `invalid_grant` /
   * `expired access/refresh token`.
   *
   * Once Salesforce has answered 200 the new token set is never lost, because with refresh token
   * rotation the old refresh token is already spent: when a later check fails, the rejection
   * carries the token set as `err.tokens` (store its `refreshToken`); when the login host's keys
   * cannot be fetched, the refresh resolves with `idToken` but without `idTokenClaims`.
   *
   * @param refreshToken The refresh token the login (or the last rotation) gave.
   * @param options `loginURL`: the login base the token came from, for a multi-org app. Default:
   *   the strategy's `loginURL`.
   * @example
   * // An API call answered 401: the access token expired. Refresh once, keep a rotated refresh token.
   * const tokens = await strategy.refresh(user.refreshToken);
   * user.accessToken = tokens.accessToken;
   * if (tokens.refreshToken) user.refreshToken = tokens.refreshToken;
   */
  async refresh(refreshToken: string, options: SalesforceTokenCallOptions = {}): Promise<SalesforceTokenSet> {
    if (typeof refreshToken !== 'string' || refreshToken === '')
      throw new InvalidOptionError('refresh(refreshToken): refreshToken must be a non-empty string');
    const login = this._loginTarget(options.loginURL);
    const tokens = await this._checkedTokenRequest('refresh', login, { grant_type: 'refresh_token', refresh_token: refreshToken });
    return toTokenSet(tokens, tokens.id_token_claims);
  }

  /**
   * Revokes an access token (only itself) or a refresh token (and every access token issued from
   * it). Resolves when Salesforce answered 200; rejects with a `SalesforceError` otherwise (a
   * token that is already invalid gives `invalid_token`).
   *
   * @param token An access token or a refresh token.
   * @param options `loginURL`: the login base the token came from, for a multi-org app. Default:
   *   the strategy's `loginURL`.
   * @example
   * // Log out: revoke the grant at Salesforce, then end the session.
   * app.post('/logout', async (req, res, next) => {
   *   try {
   *     if (req.user) await strategy.revoke(req.user.refreshToken ?? req.user.accessToken);
   *     req.logout((err) => (err ? next(err) : res.redirect('/')));
   *   } catch (error) {
   *     next(error);
   *   }
   * });
   */
  async revoke(token: string, options: SalesforceTokenCallOptions = {}): Promise<void> {
    if (typeof token !== 'string' || token === '') throw new InvalidOptionError('revoke(token): token must be a non-empty string');
    await revokeToken(this._loginTarget(options.loginURL).revokeURL, token, this._callOptions());
  }

  /** @internal `redirect_uri` form-encoded, from the last one when it is the same. */
  private _encodedRedirectURI(uri: string): string {
    const last = this._lastRedirectURI;
    if (last.uri !== uri) {
      last.encoded = formEncode(uri);
      last.uri = uri;
    }
    return last.encoded;
  }

  /** @internal passport-oauth2's `meta` for the state store. */
  private _storeMeta(login: LoginTarget, callbackURL: string): StateStoreMeta {
    return { authorizationURL: login.authorizationURL.href, tokenURL: login.tokenURL.href, clientID: this._config.clientID, callbackURL };
  }

  /** @internal The configured login, or a per-request one checked against `allowedLoginURLs`. */
  private _loginTarget(loginURL: string | undefined): LoginTarget {
    if (loginURL === undefined) return this._config.login;
    const base = parseSalesforceURL(loginURL, 'loginURL');
    const baseURL = loginBase(base);
    if (baseURL === this._config.login.baseURL) return this._config.login;
    const verdict = this._config.isAllowedLoginURL(base);
    if (verdict !== 'allowed') throw new LoginURLNotAllowedError(baseURL, verdict);
    return loginTarget(base);
  }

  /** @internal How every call to Salesforce is made: `requestTimeout`, and the agent set on `_oauth2`. */
  protected _callOptions(): CallOptions {
    const agent = (this._oauth2 as unknown as { _agent?: Agent | boolean })._agent;
    return { timeout: this._config.requestTimeout, agent: typeof agent === 'object' ? agent : undefined };
  }

  /** @internal GETs a JSON resource of the user's with `accessToken` in `_oauth2`'s Authorization header. */
  protected _fetchWithToken(
    endpoint: 'identity' | 'userinfo' | 'photo',
    url: URL,
    accessToken: string,
  ): Promise<{ json: Record<string, unknown>; raw: string }> {
    return fetchWithToken(endpoint, url, accessToken, this._oauth2.buildAuthHeader(accessToken), this._callOptions());
  }

  /**
   * @internal A token request with the client's credentials (the secret only when one is
   * configured), read by `parseErrorResponse` when it fails.
   */
  private _requestToken(endpoint: 'token' | 'refresh', tokenURL: URL, form: Record<string, string>): Promise<TokenResponse> {
    const { clientID, clientSecret } = this._config;
    const credentials = { client_id: clientID, ...(clientSecret === undefined ? {} : { client_secret: clientSecret }) };
    return requestToken(
      endpoint,
      tokenURL,
      { ...form, ...credentials },
      {
        ...this._callOptions(),
        parseError: (body, status) => this.parseErrorResponse(body, status),
      },
    );
  }

  /**
   * @internal A token request outside a login (`refresh()`, and `_oauth2.getOAuthAccessToken()`
   * as passport-oauth2-refresh calls it), with every check of `refresh()`: the signature,
   * `instance_url`, and an id_token when one comes back, whose claims it adds as
   * `id_token_claims` (keys that cannot be fetched leave them out rather than fail). A check that
   * fails rejects with the issued token set as `err.tokens`: with rotation the old refresh token
   * is already spent.
   */
  private async _checkedTokenRequest(
    endpoint: 'token' | 'refresh',
    login: LoginTarget,
    form: Record<string, string>,
  ): Promise<TokenResponse & { id_token_claims?: SalesforceIdTokenClaims }> {
    const tokens = await this._requestToken(endpoint, login.tokenURL, form);
    try {
      this._checkTokens(endpoint, tokens, login);
      if (typeof tokens.id_token !== 'string') return tokens;
      const claims = await this._idTokens.verify(tokens.id_token, this._idTokenExpectations(login, tokens)).catch((error: unknown) => {
        // Keys that cannot be had say nothing against a token response that passed every other check.
        if (error instanceof SalesforceError && 'endpoint' in error && error.endpoint === 'keys') return undefined;
        throw error;
      });
      return claims === undefined ? tokens : { ...tokens, id_token_claims: claims };
    } catch (error) {
      throw withIssuedTokens(error, toTokenSet(tokens));
    }
  }

  /**
   * @internal Tokens of a login that ends without the app keeping them must not stay valid at
   * Salesforce: revokes the refresh token (which takes its access tokens with it), else the access
   * token, waiting at most `requestTimeout`; a failed revocation changes nothing for the login.
   */
  private async _revokeIssued(login: LoginTarget, tokens: TokenResponse): Promise<void> {
    const issued = typeof tokens.refresh_token === 'string' && tokens.refresh_token !== '' ? tokens.refresh_token : tokens.access_token;
    await revokeToken(login.revokeURL, issued, this._callOptions()).catch(() => undefined);
  }

  /** @internal */
  private _checkTokens(endpoint: 'token' | 'refresh', tokens: TokenResponse, login: LoginTarget): URL | undefined {
    return checkTokenResponse(endpoint, tokens, {
      login,
      verifySignature: this._config.verifyTokenSignature,
      clientSecret: this._config.clientSecret,
    });
  }

  /** @internal */
  private _idTokenExpectations(login: LoginTarget, tokens: TokenResponse, nonce?: string): IdTokenExpectations {
    return {
      issuer: login.baseURL,
      audience: this._config.clientID,
      nonce,
      identityUrl: typeof tokens.id === 'string' ? tokens.id : undefined,
    };
  }
}

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
  SessionSaveError,
  VerifyCallbackError,
  withIssuedTokens,
} from './errors.js';
import { IdTokenVerifier, type IdTokenExpectations } from './id-token.js';
import {
  resolveOptions,
  type ResolvedOptions,
  type SalesforceStrategyOptions,
  type SalesforceStrategyOptionsWithRequest,
} from './options.js';
import { PendingLoginStore, type PendingLogin } from './pending-logins.js';
import { createPkcePair } from './pkce.js';
import { randomToken } from './random.js';
import { buildProfile, profileFromIdentityUrl, type SalesforceProfile } from './profile.js';
import {
  authorizationParams,
  callbackParams,
  callbackText,
  hasOpenIdScope,
  redirectURI,
  type SalesforceAuthenticateOptions,
} from './request-params.js';
import { fetchIdentity, fetchKeys, requestToken, revokeToken, type TokenResponse } from './salesforce-client.js';
import { checkTokenResponse } from './token-checks.js';
import { toTokenSet } from './token-set.js';
import type {
  AnyVerifyFunction,
  SalesforceTokenCallOptions,
  SalesforceTokenParams,
  SalesforceTokenSet,
  SalesforceVerifyCallback,
  SalesforceVerifyFunction,
  SalesforceVerifyFunctionWithParams,
  SalesforceVerifyFunctionWithRequest,
  SalesforceVerifyFunctionWithRequestAndParams,
} from './types.js';

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
 * Passport strategy for Salesforce's OAuth 2.0 web server flow with PKCE (S256, always on).
 *
 * @example
 * passport.use(new SalesforcePkceStrategy({
 *   clientID: process.env.SF_CLIENT_ID!,
 *   callbackURL: '/auth/salesforce/callback',
 * }, (accessToken, refreshToken, profile, done) => done(null, { id: profile.id })));
 */
export class SalesforcePkceStrategy extends OAuth2Strategy {
  // Passport runs each request on `Object.create(strategy)`, so per-instance state is kept in
  // ordinary (prototype-reachable) members rather than #private fields.
  /** @internal */
  private readonly _config: ResolvedOptions;
  /** @internal */
  private readonly _pendingLogins: PendingLoginStore;
  /** @internal */
  private readonly _verifyCallback: AnyVerifyFunction;
  /** @internal */
  private readonly _idTokens: IdTokenVerifier;

  // One overload per verify arity, so the four-argument form's parameters are inferred.
  /* eslint-disable @typescript-eslint/unified-signatures */
  constructor(options: SalesforceStrategyOptions, verify: SalesforceVerifyFunction);
  constructor(options: SalesforceStrategyOptions, verify: SalesforceVerifyFunctionWithParams);
  constructor(options: SalesforceStrategyOptionsWithRequest, verify: SalesforceVerifyFunctionWithRequest);
  constructor(options: SalesforceStrategyOptionsWithRequest, verify: SalesforceVerifyFunctionWithRequestAndParams);
  /* eslint-enable @typescript-eslint/unified-signatures */
  constructor(options: SalesforceStrategyOptions | SalesforceStrategyOptionsWithRequest, verify: AnyVerifyFunction) {
    const config = resolveOptions(options);
    if (typeof verify !== 'function') {
      throw new InvalidOptionError('SalesforcePkceStrategy: the verify callback must be a function (accessToken, refreshToken, [params,] profile, done)');
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
    this._pendingLogins = new PendingLoginStore({ key: config.sessionKey, ttl: config.pendingLoginTtl, max: config.maxPendingLogins });
    this._verifyCallback = verify;
    this._idTokens = new IdTokenVerifier((url) => fetchKeys(url, config.requestTimeout), config.requestTimeout);
  }

  /**
   * Maps the per-request options to Salesforce's authorization parameters: `scope` (space-separated;
   * the strategy's `scope` when absent), `prompt`, `login_hint` and `display`.
   */
  override authorizationParams(options: SalesforceAuthenticateOptions): Record<string, string> {
    return authorizationParams(options, this._config.scope);
  }

  /** Starts a login (redirect to Salesforce) or finishes one (the callback with `code` or `error`). */
  override authenticate(req: Request, options: SalesforceAuthenticateOptions = {}): void {
    const param = callbackParams(req);
    if (param('code') !== undefined || param('error') !== undefined) {
      this._finishLogin(req, param).catch((error: unknown) => this.error(error as Error));
    } else {
      this._startLogin(req, options);
    }
  }

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
   */
  async refresh(refreshToken: string, options: SalesforceTokenCallOptions = {}): Promise<SalesforceTokenSet> {
    if (typeof refreshToken !== 'string' || refreshToken === '') throw new InvalidOptionError('refresh(refreshToken): refreshToken must be a non-empty string');
    const login = this._loginTarget(options.loginURL);
    const tokens = await requestToken('refresh', login.tokenURL, this._clientForm({ grant_type: 'refresh_token', refresh_token: refreshToken }), this._config.requestTimeout);
    try {
      this._checkTokens('refresh', tokens, login);
      if (typeof tokens.id_token !== 'string') return toTokenSet(tokens);
      const claims = await this._idTokens.verify(tokens.id_token, this._idTokenExpectations(login, tokens)).catch((error: unknown) => {
        // Keys that cannot be had say nothing against a token response that passed every other check.
        if (error instanceof SalesforceError && 'endpoint' in error && error.endpoint === 'keys') return undefined;
        throw error;
      });
      return toTokenSet(tokens, claims);
    } catch (error) {
      throw withIssuedTokens(error, toTokenSet(tokens));
    }
  }

  /**
   * Revokes an access token (only itself) or a refresh token (and every access token issued from
   * it). Resolves when Salesforce answered 200; rejects with a `SalesforceError` otherwise.
   */
  async revoke(token: string, options: SalesforceTokenCallOptions = {}): Promise<void> {
    if (typeof token !== 'string' || token === '') throw new InvalidOptionError('revoke(token): token must be a non-empty string');
    await revokeToken(this._loginTarget(options.loginURL).revokeURL, token, this._config.requestTimeout);
  }

  /** @internal */
  private _startLogin(req: Request, options: SalesforceAuthenticateOptions): void {
    let params: Record<string, string>;
    let redirectTo: string;
    try {
      params = this.authorizationParams(options);
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
    const pkce = createPkcePair();
    const nonce = hasOpenIdScope(params.scope) ? randomToken(16) : undefined;
    const loginURL = login === this._config.login ? undefined : login.baseURL;
    this._pendingLogins.store(req, pkce.codeVerifier, options.state, { nonce, loginURL }, (err, handle) => {
      if (err || !handle) {
        this.error(err ?? new SessionSaveError());
        return;
      }
      const query = {
        ...params,
        ...(nonce === undefined ? {} : { nonce }),
        response_type: 'code',
        client_id: this._config.clientID,
        redirect_uri: redirectTo,
        state: handle,
        code_challenge: pkce.codeChallenge,
        code_challenge_method: pkce.codeChallengeMethod,
      };
      // Login URLs carry no query or fragment (parseSalesforceURL refuses them), so the query is appended.
      this.redirect(`${login.authorizationURL.href}?${new URLSearchParams(query).toString()}`);
    });
  }

  /** @internal */
  private async _finishLogin(req: Request, param: (name: string) => string | null | undefined): Promise<void> {
    const pending = await new Promise<PendingLogin | { message: string }>((resolve, reject) => {
      this._pendingLogins.verify(req, param('state'), undefined, (err, verifier, stateOrInfo, login) => {
        if (err) reject(err);
        else resolve(verifier === false || !login ? (stateOrInfo as { message: string }) : login);
      });
    });
    if (!('verifier' in pending)) {
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
    // The login base comes from the session, never from the callback's query.
    const login = this._loginTarget(pending.loginURL);
    const tokens = await requestToken(
      'token',
      login.tokenURL,
      this._clientForm({ grant_type: 'authorization_code', code, redirect_uri: redirectURI(this._config.callbackURL, req, this._config.trustProxy), code_verifier: pending.verifier }),
      this._config.requestTimeout,
    );
    let profile: SalesforceProfile;
    try {
      profile = await this._checkLogin(tokens, login, pending.nonce);
    } catch (error) {
      // Tokens the app will never see must not stay valid at Salesforce. A refresh token takes
      // its access tokens with it.
      const issued = typeof tokens.refresh_token === 'string' && tokens.refresh_token !== '' ? tokens.refresh_token : tokens.access_token;
      await revokeToken(login.revokeURL, issued, this._config.requestTimeout).catch(() => undefined);
      throw error;
    }
    this._callVerify(req, tokens as SalesforceTokenParams, profile, pending.state);
  }

  /** @internal Everything checked between the code exchange and the verify callback; adds `id_token_claims`. */
  private async _checkLogin(tokens: TokenResponse, login: LoginTarget, nonce: string | undefined): Promise<SalesforceProfile> {
    const instanceUrl = this._checkTokens('token', tokens, login);
    // Any id_token reaching the app is verified: also one a Connected App grants without openid
    // being asked for (then there is no nonce to check).
    if (nonce !== undefined && typeof tokens.id_token !== 'string') throw new IdTokenError('missing');
    if (typeof tokens.id_token === 'string') {
      (tokens as SalesforceTokenParams).id_token_claims = await this._idTokens.verify(tokens.id_token, this._idTokenExpectations(login, tokens, nonce));
    }
    return this._profile(tokens, login, instanceUrl);
  }

  /** @internal The configured login, or a per-request one checked against `allowedLoginURLs`. */
  private _loginTarget(loginURL: string | undefined): LoginTarget {
    if (loginURL === undefined) return this._config.login;
    const base = parseSalesforceURL(loginURL, 'loginURL');
    if (loginBase(base) === this._config.login.baseURL) return this._config.login;
    const verdict = this._config.isAllowedLoginURL(base);
    if (verdict !== 'allowed') throw new LoginURLNotAllowedError(loginBase(base), verdict);
    return loginTarget(base);
  }

  /** @internal The client's credentials on a token request: the secret only when one is configured. */
  private _clientForm(form: Record<string, string>): Record<string, string> {
    const { clientID, clientSecret } = this._config;
    return { ...form, client_id: clientID, ...(clientSecret === undefined ? {} : { client_secret: clientSecret }) };
  }

  /** @internal */
  private _checkTokens(endpoint: 'token' | 'refresh', tokens: TokenResponse, login: LoginTarget): URL | undefined {
    return checkTokenResponse(endpoint, tokens, { login, verifySignature: this._config.verifyTokenSignature, clientSecret: this._config.clientSecret });
  }

  /** @internal */
  private _idTokenExpectations(login: LoginTarget, tokens: TokenResponse, nonce?: string): IdTokenExpectations {
    return { issuer: login.baseURL, audience: this._config.clientID, nonce, identityUrl: typeof tokens.id === 'string' ? tokens.id : undefined };
  }

  /** @internal */
  private async _profile(tokens: TokenResponse, login: LoginTarget, instance: URL | undefined): Promise<SalesforceProfile> {
    // Checked by checkTokenResponse: a string, or absent.
    const instanceUrl = instance === undefined ? undefined : tokens.instance_url;
    const check = checkIdentityURL(tokens.id, { loginOrigins: login.origins, instanceUrl: instance });
    if (!check.ok) throw new IdentityOriginError(check.origin);
    const idProfile = profileFromIdentityUrl(check.url.href, instanceUrl);
    if (!idProfile) throw new SalesforceResponseError('token', 200, 'the identity URL has no /id/{orgId}/{userId} path');
    if (this._config.skipUserProfile) return idProfile;
    const { json, raw } = await fetchIdentity(check.url, tokens.access_token, this._config.requestTimeout);
    const profile = buildProfile(json, raw, instanceUrl);
    if (!profile) throw new SalesforceResponseError('identity', 200, 'the answer is not a Salesforce identity');
    // The user the tokens were issued to (and the id_token's sub) is the one in `id`; an identity
    // of anyone else would log the session in as them.
    if (profile.id !== idProfile.id || profile.organizationId !== idProfile.organizationId) {
      throw new SalesforceResponseError('identity', 200, "the identity is another user than the token response's id");
    }
    return profile;
  }

  /** @internal */
  private _callVerify(req: Request, params: SalesforceTokenParams, profile: SalesforceProfile, state: unknown): void {
    let answered = false;
    const done: SalesforceVerifyCallback = (err, user, info) => {
      if (answered) return;
      answered = true;
      if (err) this.error(err as Error);
      else if (!user) this.fail(info ?? {});
      else this.success(user, state === undefined ? (info ?? {}) : { ...info, state });
    };
    const verify = this._verifyCallback as (...args: unknown[]) => void;
    const withParams = this._config.passReqToCallback ? verify.length >= 6 : verify.length >= 5;
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
      done(error instanceof Error ? error : new VerifyCallbackError(error));
      return;
    }
    // An async verify callback that rejects before calling done must not hang the request.
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') {
      Promise.resolve(returned).catch((error: unknown) => done(error instanceof Error ? error : new VerifyCallbackError(error)));
    }
  }
}

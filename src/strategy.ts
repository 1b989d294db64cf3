import type { Request } from 'express';
import { Strategy as OAuth2Strategy, type VerifyFunction as OAuth2VerifyFunction } from 'passport-oauth2';
import { checkIdentityURL, loginBase, loginTarget, parseSalesforceURL, type LoginTarget } from './endpoints.js';
import {
  IdentityOriginError,
  IdTokenError,
  SalesforceAuthorizationError,
  SalesforceResponseError,
  TokenSignatureError,
} from './errors.js';
import { IdTokenVerifier } from './id-token.js';
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
  untrustedProxyProblem,
  type SalesforceAuthenticateOptions,
} from './request-params.js';
import { fetchIdentity, fetchKeys, requestToken, revokeToken, type TokenResponse } from './salesforce-client.js';
import { verifyTokenSignature } from './signature.js';
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

/** Strategies whose setup problem was reported already: a busy site warns once, not per login. */
const warnedConfigurations = new WeakSet<ResolvedOptions>();

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

  // One signature per options form, each taking the union of its two verify forms, as
  // @types/passport-oauth2 does. From a union, TypeScript infers an inline callback's parameters
  // when only one member has at least as many parameters as the callback declares: a callback
  // with `params` (5, or 6 with the request) is inferred; one without it matches both members and
  // is not (test/types/consumer.mts shows the one-word fix). Overloads per arity would do the
  // opposite: the first overload tried fixes the parameter types, so the longer forms would lose.
  constructor(options: SalesforceStrategyOptions, verify: SalesforceVerifyFunction | SalesforceVerifyFunctionWithParams);
  constructor(options: SalesforceStrategyOptionsWithRequest, verify: SalesforceVerifyFunctionWithRequest | SalesforceVerifyFunctionWithRequestAndParams);
  constructor(options: SalesforceStrategyOptions | SalesforceStrategyOptionsWithRequest, verify: AnyVerifyFunction) {
    const config = resolveOptions(options);
    if (typeof verify !== 'function') {
      throw new TypeError('SalesforcePkceStrategy: the verify callback must be a function (accessToken, refreshToken, [params,] profile, done)');
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
    this._idTokens = new IdTokenVerifier((url) => fetchKeys(url, config.requestTimeout));
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
   * configured, checks the `signature` when `verifyTokenSignature` is on, and verifies an
   * id_token when one comes back. Rejects with a `SalesforceError`; a revoked or expired refresh
   * token is a `SalesforceOAuthError` with `invalid_grant` / `expired access/refresh token`.
   */
  async refresh(refreshToken: string, options: SalesforceTokenCallOptions = {}): Promise<SalesforceTokenSet> {
    if (typeof refreshToken !== 'string' || refreshToken === '') throw new TypeError('refresh(refreshToken): refreshToken must be a non-empty string');
    const login = this._loginTarget(options.loginURL);
    const tokens = await requestToken('refresh', login.tokenURL, this._clientForm({ grant_type: 'refresh_token', refresh_token: refreshToken }), this._config.requestTimeout);
    this._checkSignature(tokens);
    const idTokenClaims = typeof tokens.id_token === 'string' ? await this._idTokens.verify(tokens.id_token, this._idTokenExpectations(login)) : undefined;
    const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
    const issuedAt = Number(tokens.issued_at);
    return {
      accessToken: tokens.access_token,
      refreshToken: text(tokens.refresh_token),
      instanceUrl: text(tokens.instance_url),
      id: text(tokens.id),
      issuedAt: Number.isFinite(issuedAt) ? issuedAt : undefined,
      scope: text(tokens.scope),
      tokenType: text(tokens.token_type),
      idToken: text(tokens.id_token),
      idTokenClaims,
    };
  }

  /**
   * Revokes an access token (only itself) or a refresh token (and every access token issued from
   * it). Resolves when Salesforce answered 200; rejects with a `SalesforceError` otherwise.
   */
  async revoke(token: string, options: SalesforceTokenCallOptions = {}): Promise<void> {
    if (typeof token !== 'string' || token === '') throw new TypeError('revoke(token): token must be a non-empty string');
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
      this.fail({ message: (error as Error).message }, 400);
      return;
    }
    const proxyProblem = untrustedProxyProblem(req, this._config.trustProxy);
    if (proxyProblem !== undefined && !warnedConfigurations.has(this._config)) {
      warnedConfigurations.add(this._config);
      process.emitWarning(proxyProblem, { code: 'SALESFORCE_PKCE_UNTRUSTED_PROXY' });
    }
    const pkce = createPkcePair();
    const nonce = hasOpenIdScope(params.scope) ? randomToken(16) : undefined;
    const loginURL = login === this._config.login ? undefined : login.baseURL;
    this._pendingLogins.store(req, pkce.codeVerifier, options.state, { nonce, loginURL }, (err, handle) => {
      if (err || !handle) {
        this.error(err ?? new Error('The pending login could not be stored'));
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
    this._checkSignature(tokens);
    const params = tokens as SalesforceTokenParams;
    // Any id_token reaching the app is verified: also one a Connected App grants without openid
    // being asked for (then there is no nonce to check).
    if (pending.nonce !== undefined && typeof tokens.id_token !== 'string') throw new IdTokenError('missing');
    if (typeof tokens.id_token === 'string') {
      params.id_token_claims = await this._idTokens.verify(tokens.id_token, this._idTokenExpectations(login, pending.nonce));
    }
    const profile = await this._profile(tokens, login);
    this._callVerify(req, params, profile, pending.state);
  }

  /** @internal The configured login, or a per-request one checked against `allowedLoginURLs`. */
  private _loginTarget(loginURL: string | undefined): LoginTarget {
    if (loginURL === undefined) return this._config.login;
    const base = parseSalesforceURL(loginURL, 'loginURL');
    if (loginBase(base) === this._config.login.baseURL) return this._config.login;
    if (!this._config.isAllowedLoginURL(base)) throw new TypeError(`loginURL ${loginBase(base)} is not in allowedLoginURLs`);
    return loginTarget(base);
  }

  /** @internal The client's credentials on a token request: the secret only when one is configured. */
  private _clientForm(form: Record<string, string>): Record<string, string> {
    const { clientID, clientSecret } = this._config;
    return { ...form, client_id: clientID, ...(clientSecret === undefined ? {} : { client_secret: clientSecret }) };
  }

  /** @internal */
  private _checkSignature(tokens: TokenResponse): void {
    if (this._config.verifyTokenSignature && !verifyTokenSignature(tokens, this._config.clientSecret ?? '')) {
      throw new TokenSignatureError();
    }
  }

  /** @internal */
  private _idTokenExpectations(login: LoginTarget, nonce?: string): { issuer: string; audience: string; nonce?: string } {
    return { issuer: login.baseURL, audience: this._config.clientID, nonce };
  }

  /** @internal */
  private async _profile(tokens: TokenResponse, login: LoginTarget): Promise<SalesforceProfile> {
    const instanceUrl = typeof tokens.instance_url === 'string' ? tokens.instance_url : undefined;
    const check = checkIdentityURL(tokens.id, { loginOrigins: login.origins, instanceUrl });
    if (!check.ok) throw new IdentityOriginError(check.origin);
    if (this._config.skipUserProfile) {
      const profile = profileFromIdentityUrl(check.url.href, instanceUrl);
      if (!profile) throw new SalesforceResponseError('token', 200, 'the identity URL has no /id/{orgId}/{userId} path');
      return profile;
    }
    const { json, raw } = await fetchIdentity(check.url, tokens.access_token, this._config.requestTimeout);
    const profile = buildProfile(json, raw, instanceUrl);
    if (!profile) throw new SalesforceResponseError('identity', 200, 'the answer is not a Salesforce identity');
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
      done(error ?? new Error('The verify callback threw'));
      return;
    }
    // An async verify callback that rejects before calling done must not hang the request.
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') {
      Promise.resolve(returned).catch((error: unknown) => done(error ?? new Error('The verify callback rejected')));
    }
  }
}

import type { Request } from 'express';
import { Strategy as OAuth2Strategy, type VerifyFunction as OAuth2VerifyFunction } from 'passport-oauth2';
import { checkIdentityURL, loginTarget, parseSalesforceURL, type LoginTarget } from './endpoints.js';
import {
  IdentityOriginError,
  IdTokenError,
  SalesforceAuthorizationError,
  SalesforceResponseError,
  TokenSignatureError,
} from './errors.js';
import { IdTokenVerifier, type SalesforceIdTokenClaims } from './id-token.js';
import {
  loginBase,
  normaliseScope,
  resolveOptions,
  type ResolvedOptions,
  type SalesforceStrategyOptions,
  type SalesforceStrategyOptionsWithRequest,
} from './options.js';
import { PendingLoginStore, type JsonValue, type PendingLogin } from './pending-logins.js';
import { createPkcePair } from './pkce.js';
import { randomToken } from './random.js';
import { buildProfile, profileFromIdentityUrl, type SalesforceProfile } from './profile.js';
import { fetchIdentity, fetchKeys, requestToken, revokeToken, type TokenResponse } from './salesforce-client.js';
import { verifyTokenSignature } from './signature.js';

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

/** Per-request options of `passport.authenticate('salesforce', options)` that this strategy reads. */
export interface SalesforceAuthenticateOptions {
  /** Scopes for this login; wins over the strategy's `scope`. */
  scope?: string | readonly string[];
  /** Salesforce `prompt`: `login`, `consent`, `select_account`, or several of them space-separated. */
  prompt?: string;
  /** Salesforce `login_hint`: pre-fills the username. */
  loginHint?: string;
  /** Salesforce `display`: `page`, `popup`, `touch` or `mobile`. */
  display?: 'page' | 'popup' | 'touch' | 'mobile';
  /**
   * The login base for this login, e.g. a customer's My Domain. It must be the strategy's
   * `loginURL` or match `allowedLoginURLs`; otherwise the login fails before any redirect.
   */
  loginURL?: string;
  /**
   * App data kept with the pending login and handed back as `info.state` on success, e.g.
   * `{ returnTo: '/reports' }`. Must be JSON. It is never sent to Salesforce.
   */
  state?: JsonValue;
}

/** Salesforce's token response, as the verify callback's `params`. */
export interface SalesforceTokenParams extends TokenResponse {
  instance_url: string;
  id: string;
  issued_at: string;
  token_type: string;
  /** The id_token's verified claims, when `openid` was requested. */
  id_token_claims?: SalesforceIdTokenClaims;
}

/** The token set `refresh()` resolves to. */
export interface SalesforceTokenSet {
  accessToken: string;
  /** Present when the Connected App rotates refresh tokens: store it, the old one is spent. */
  refreshToken?: string;
  instanceUrl?: string;
  /** The identity URL. */
  id?: string;
  /** When Salesforce issued the token, in ms since the epoch. */
  issuedAt?: number;
  scope?: string;
  tokenType?: string;
  /** Present when the grant includes `openid`; verified before it is returned. */
  idToken?: string;
  idTokenClaims?: SalesforceIdTokenClaims;
}

/** Options of `refresh()` and `revoke()`. */
export interface SalesforceTokenCallOptions {
  /** The login base the token came from, for a multi-org app. Default: the strategy's `loginURL`. */
  loginURL?: string;
}

/** What the verify callback reports back: passport's `done(err, user, info)`. */
export type SalesforceVerifyCallback = (err?: Error | null | unknown, user?: Express.User | false, info?: object) => void;

export type SalesforceVerifyFunction = (
  accessToken: string,
  refreshToken: string | undefined,
  profile: SalesforceProfile,
  done: SalesforceVerifyCallback,
) => void;

export type SalesforceVerifyFunctionWithParams = (
  accessToken: string,
  refreshToken: string | undefined,
  params: SalesforceTokenParams,
  profile: SalesforceProfile,
  done: SalesforceVerifyCallback,
) => void;

export type SalesforceVerifyFunctionWithRequest = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  profile: SalesforceProfile,
  done: SalesforceVerifyCallback,
) => void;

export type SalesforceVerifyFunctionWithRequestAndParams = (
  req: Request,
  accessToken: string,
  refreshToken: string | undefined,
  params: SalesforceTokenParams,
  profile: SalesforceProfile,
  done: SalesforceVerifyCallback,
) => void;

type AnyVerifyFunction =
  | SalesforceVerifyFunction
  | SalesforceVerifyFunctionWithParams
  | SalesforceVerifyFunctionWithRequest
  | SalesforceVerifyFunctionWithRequestAndParams;

const PROMPTS = new Set(['login', 'consent', 'select_account']);
const DISPLAYS = new Set(['page', 'popup', 'touch', 'mobile']);

/** Salesforce authorization parameters from the per-request options; throws a `TypeError` naming a bad one. */
function salesforceAuthorizationParams(options: SalesforceAuthenticateOptions, defaultScope: string | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  const scope = options.scope === undefined ? defaultScope : normaliseScope(options.scope);
  if (typeof scope === 'object') throw new TypeError(`authenticate option "scope" ${scope.error}`);
  if (scope) params.scope = scope;
  if (options.prompt !== undefined) {
    if (typeof options.prompt !== 'string' || !options.prompt.split(' ').every((prompt) => PROMPTS.has(prompt))) {
      throw new TypeError('authenticate option "prompt" must be "login", "consent", "select_account" or several of them space-separated');
    }
    params.prompt = options.prompt;
  }
  if (options.loginHint !== undefined) {
    if (typeof options.loginHint !== 'string' || options.loginHint.length > 512) {
      throw new TypeError('authenticate option "loginHint" must be a string (a Salesforce username)');
    }
    params.login_hint = options.loginHint;
  }
  if (options.display !== undefined) {
    if (typeof options.display !== 'string' || !DISPLAYS.has(options.display)) {
      throw new TypeError('authenticate option "display" must be "page", "popup", "touch" or "mobile"');
    }
    params.display = options.display;
  }
  return params;
}

/** The callback's query parameters: a value is `undefined` when absent and `null` when repeated. */
function callbackParams(req: Request): (name: string) => string | null | undefined {
  const target = req.originalUrl ?? req.url ?? '/';
  // Starting a login: no query string, nothing to parse.
  if (!target.includes('?')) return () => undefined;
  let search: URLSearchParams;
  try {
    search = new URL(target, 'http://callback.invalid').searchParams;
  } catch {
    search = new URLSearchParams();
  }
  return (name) => {
    const values = search.getAll(name);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : null;
  };
}

/**
 * Salesforce's error words from the callback query, made safe to log and show: control and
 * bidirectional-override characters removed, length bounded. Repeated parameters read as empty.
 */
function callbackText(value: string | null | undefined, maxLength: number): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, '').slice(0, maxLength);
}

function hasOpenIdScope(scope: string | undefined): boolean {
  return scope?.split(' ').includes('openid') ?? false;
}

function firstHeaderValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(',')[0]?.trim() || undefined;
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
    return salesforceAuthorizationParams(options, this._config.scope);
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
    let redirectURI: string;
    try {
      params = this.authorizationParams(options);
      redirectURI = this._redirectURI(req);
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
    const pkce = createPkcePair();
    const nonce = hasOpenIdScope(params.scope) ? randomToken(16) : undefined;
    const loginURL = login === this._config.login ? undefined : loginBase(login.base);
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
        redirect_uri: redirectURI,
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
      this._clientForm({ grant_type: 'authorization_code', code, redirect_uri: this._redirectURI(req), code_verifier: pending.verifier }),
      this._config.requestTimeout,
    );
    this._checkSignature(tokens);
    const params = tokens as SalesforceTokenParams;
    if (pending.nonce !== undefined) {
      if (typeof tokens.id_token !== 'string') throw new IdTokenError('missing');
      params.id_token_claims = await this._idTokens.verify(tokens.id_token, this._idTokenExpectations(login, pending.nonce));
    }
    const profile = await this._profile(tokens, login);
    this._callVerify(req, params, profile, pending.state);
  }

  /** @internal The configured login, or a per-request one checked against `allowedLoginURLs`. */
  private _loginTarget(loginURL: string | undefined): LoginTarget {
    if (loginURL === undefined) return this._config.login;
    const base = parseSalesforceURL(loginURL, 'loginURL');
    if (loginBase(base) === loginBase(this._config.login.base)) return this._config.login;
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
    return { issuer: loginBase(login.base), audience: this._config.clientID, nonce };
  }

  /** @internal */
  private async _profile(tokens: TokenResponse, login: LoginTarget): Promise<SalesforceProfile> {
    const instanceUrl = typeof tokens.instance_url === 'string' ? tokens.instance_url : undefined;
    const check = checkIdentityURL(tokens.id, { loginOrigins: login.origins, instanceUrl });
    if (!check.ok) throw new IdentityOriginError(check.origin);
    const profile = this._config.skipUserProfile
      ? profileFromIdentityUrl(check.url.href, instanceUrl)
      : await fetchIdentity(check.url, tokens.access_token, this._config.requestTimeout).then(({ json, raw }) => buildProfile(json, raw, instanceUrl));
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
    try {
      verify(...(this._config.passReqToCallback ? [req, ...args] : args));
    } catch (error) {
      if (!answered) {
        answered = true;
        this.error(error as Error);
      }
    }
  }

  /** @internal The absolute `redirect_uri`: `callbackURL` as is, or a path resolved against the request's origin. */
  private _redirectURI(req: Request): string {
    const { callbackURL } = this._config;
    if (!callbackURL.startsWith('/')) return callbackURL;
    const trustProxy = this._config.trustProxy ?? Boolean(req.app?.get?.('trust proxy'));
    const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
    const protocol = (trustProxy && firstHeaderValue(req.headers['x-forwarded-proto'])) || (encrypted ? 'https' : 'http');
    const host = (trustProxy && firstHeaderValue(req.headers['x-forwarded-host'])) || req.headers.host;
    if (!host || !/^https?$/.test(protocol)) throw new TypeError('The callback URL cannot be resolved: the request has no Host header');
    return new URL(callbackURL, `${protocol}://${host}`).href;
  }
}

import type { Request } from 'express';
import type { Profile } from 'passport';

/**
 * The types the modules share and the app sees: token response, profile, id_token claims, token
 * set, verify callbacks. Imports no module of this package, so no import cycle runs through it.
 */

/** Salesforce's token response (authorization code or refresh grant). */
export interface TokenResponse extends Record<string, unknown> {
  /** The access token, sent as `Authorization: Bearer` to `instance_url`. It has no stated expiry. */
  access_token: string;
  /** Present when the `refresh_token` (or `offline_access`) scope was granted. */
  refresh_token?: string;
  /** Base URL for REST API calls. */
  instance_url?: string;
  /** The identity URL. */
  id?: string;
  /** When the token was issued: milliseconds since the epoch, as a string. */
  issued_at?: string;
  /** base64(HMAC-SHA256(consumer secret, `id` + `issued_at`)). */
  signature?: string;
  /** The granted scopes, space-separated. */
  scope?: string;
  /** `Bearer`. */
  token_type?: string;
  /** An OpenID Connect id_token (a JWT), when the grant includes `openid`. */
  id_token?: string;
}

/**
 * The verified claims of a Salesforce id_token. (Declared here, so the package's types need
 * nothing from the JWT library.)
 */
export interface SalesforceIdTokenClaims {
  /** The issuer: the login base of this login, e.g. `https://login.salesforce.com`. */
  iss: string;
  /** The identity URL. */
  sub: string;
  /** The Connected App's consumer key. */
  aud: string | string[];
  /** When the token expires, in seconds since the epoch. */
  exp: number;
  /** When the token was issued, in seconds since the epoch. */
  iat: number;
  /** Not before, in seconds since the epoch, when present. */
  nbf?: number;
  /** The token's unique id, when present. */
  jti?: string;
  /** The nonce of the authorization request; absent in a refreshed id_token. */
  nonce?: string;
  /** Half of the SHA-256 of the access token, base64url-encoded (OpenID Connect Core §3.1.3.6). */
  at_hash?: string;
  /** The client the token was issued to, when `aud` names several. */
  azp?: string;
  /** The user's full name (`profile` scope). */
  name?: string;
  /** The user's first name (`profile` scope). */
  given_name?: string;
  /** The user's last name (`profile` scope). */
  family_name?: string;
  /** The Salesforce username (`profile` scope). */
  preferred_username?: string;
  /** The user's email address (`email` scope). */
  email?: string;
  /** Whether Salesforce verified `email` (`email` scope). */
  email_verified?: boolean;
  /** Other claims Salesforce sends (`address`, `phone_number`, `updated_at`, custom attributes…). */
  [claim: string]: unknown;
}

/** The identity URL's JSON, as Salesforce returns it (fields this package reads; others are kept in `_json`). */
export interface SalesforceIdentity {
  /** The identity URL itself. */
  id: string;
  /** The 18-character user id (`005…`). */
  user_id: string;
  /** The 18-character org id (`00D…`). */
  organization_id: string;
  /** The Salesforce username, e.g. `ada@example.com`. */
  username?: string;
  /** The community nickname. */
  nick_name?: string;
  /** The user's full name. */
  display_name?: string;
  /** The user's email address. */
  email?: string;
  /** Whether the user confirmed `email`. */
  email_verified?: boolean;
  /** First name; `null` when the user has none. */
  first_name?: string | null;
  /** Last name; `null` when the user has none. */
  last_name?: string | null;
  /** IANA time zone, e.g. `America/Los_Angeles`. */
  timezone?: string;
  /** Profile photo URLs; fetching them needs the access token. */
  photos?: {
    /** The full-size photo. */
    picture?: string;
    /** The small photo. */
    thumbnail?: string;
  };
  /** API endpoint templates (`rest`, `sobjects`, `query`, …) with `{version}` placeholders. */
  urls?: Record<string, string>;
  /** Whether the user is active. */
  active?: boolean;
  /** `STANDARD`, `POWER_PARTNER`, `CSP_LITE_PORTAL`, … */
  user_type?: string;
  /** Language, e.g. `en_US`. */
  language?: string;
  /** Locale, e.g. `en_US`. */
  locale?: string;
  /** Offset from UTC in ms. */
  utcOffset?: number;
  /** When the user record last changed, an ISO 8601 date-time. */
  last_modified_date?: string;
  /** Any other field Salesforce sends. */
  [field: string]: unknown;
}

/** A Passport profile built from Salesforce's identity URL. */
export interface SalesforceProfile extends Profile {
  /** Always `'salesforce'`. */
  provider: 'salesforce';
  /** The 18-character user id (`005…`). */
  id: string;
  /** The Salesforce username (`ada@example.com`); not necessarily an email address the user reads. */
  username: string;
  /** `display_name`; else the first and last name; else the username. */
  displayName: string;
  /** `first_name` and `last_name`; `''` when absent. */
  name: {
    /** First name, `''` when absent. */
    givenName: string;
    /** Last name, `''` when absent. */
    familyName: string;
  };
  /** The user's email, with Salesforce's `email_verified`. Empty when the identity has no email. */
  emails: Array<{
    /** The address. */
    value: string;
    /** Salesforce's `email_verified`; `false` when absent. */
    verified: boolean;
  }>;
  /** `picture` then `thumbnail`. These URLs need the access token to be fetched. */
  photos: Array<{
    /** The photo's URL. */
    value: string;
    /** Which of Salesforce's photos it is. */
    type: 'picture' | 'thumbnail';
  }>;
  /** The 18-character org id (`00D…`). */
  organizationId: string;
  /** The identity URL (`id` of the token response). */
  identityUrl: string;
  /** `instance_url` of the token response: the base for REST API calls. */
  instanceUrl?: string;
  /** API endpoint templates (`rest`, `sobjects`, `query`, …) with `{version}` placeholders. */
  urls: Record<string, string>;
  /** `STANDARD`, `POWER_PARTNER`, `CSP_LITE_PORTAL`, … */
  userType?: string;
  /** Whether the user is active; absent when the identity does not say. */
  active?: boolean;
  /** Locale, e.g. `en_US`. */
  locale?: string;
  /** Language, e.g. `en_US`. */
  language?: string;
  /** IANA time zone, e.g. `America/Los_Angeles`. */
  timezone?: string;
  /** The identity response's body as received; `''` when the profile was skipped. */
  _raw: string;
  /** The identity response, parsed; only the ids and the identity URL when the profile was skipped. */
  _json: SalesforceIdentity;
}

/** Salesforce's token response, as the verify callback's `params`. */
export interface SalesforceTokenParams extends TokenResponse {
  /** Base URL for REST API calls: the org's My Domain or instance. */
  instance_url: string;
  /** The identity URL, `https://login.salesforce.com/id/{orgId}/{userId}`. */
  id: string;
  /** When the token was issued: milliseconds since the epoch, as a string. */
  issued_at: string;
  /** Always `Bearer`. */
  token_type: string;
  /** The id_token's verified claims, when Salesforce sent an id_token (with `openid`). */
  id_token_claims?: SalesforceIdTokenClaims;
}

/** The token set `refresh()` resolves to. */
export interface SalesforceTokenSet {
  /** The new access token. There is no expiry: it lasts the Connected App's session timeout. */
  accessToken: string;
  /** Present when the Connected App rotates refresh tokens: store it, the old one is spent. */
  refreshToken?: string;
  /** Base URL for REST API calls (`instance_url`): the org's My Domain or instance. */
  instanceUrl?: string;
  /** The identity URL. */
  id?: string;
  /** When Salesforce issued the token, in ms since the epoch. */
  issuedAt?: number;
  /** The granted scopes, space-separated. */
  scope?: string;
  /** `Bearer`. */
  tokenType?: string;
  /** Present when the grant includes `openid`: Salesforce's id_token as it came. */
  idToken?: string;
  /**
   * The claims of `idToken`, present only when it was verified. Absent when the login host's keys
   * could not be fetched (timeout, network, a 5xx): the refresh still resolves, so the new tokens
   * are not lost over the keys.
   */
  idTokenClaims?: SalesforceIdTokenClaims;
}

/** Options of `refresh()` and `revoke()`. */
export interface SalesforceTokenCallOptions {
  /** The login base the token came from, for a multi-org app. Default: the strategy's `loginURL`. */
  loginURL?: string;
}

/** What the verify callback reports back: passport's `done(err, user, info)`. */
export type SalesforceVerifyCallback = (err?: Error | null | unknown, user?: Express.User | false, info?: object) => void;

/*
 * Each verify form is a method signature turned into a function type, so its parameters are
 * compared bivariantly: a callback written for @types/passport-oauth2, which types `refreshToken`
 * as `string`, still type-checks. (It is `undefined` when Salesforce granted no refresh token.)
 */

/** The four-argument verify callback: `(accessToken, refreshToken, profile, done)`. */
export type SalesforceVerifyFunction = {
  /**
   * Decides who the user is, after the code exchange and the checks.
   *
   * @param accessToken The Bearer token for API calls at the user's `instance_url`.
   * @param refreshToken Present when the `refresh_token` (or `offline_access`) scope was granted.
   * @param profile The user, from the identity URL.
   * @param done `done(null, user)` logs `user` in; `done(null, false, { message })` fails the login; `done(err)` errs.
   */
  verify(accessToken: string, refreshToken: string | undefined, profile: SalesforceProfile, done: SalesforceVerifyCallback): void;
}['verify'];

/**
 * The five-argument verify callback: `params` is Salesforce's token response
 * (`instance_url`, `id`, `scope`, `id_token_claims`, …).
 */
export type SalesforceVerifyFunctionWithParams = {
  /**
   * Decides who the user is, after the code exchange and the checks.
   *
   * @param accessToken The Bearer token for API calls at `params.instance_url`.
   * @param refreshToken Present when the `refresh_token` (or `offline_access`) scope was granted.
   * @param params Salesforce's token response.
   * @param profile The user, from the identity URL.
   * @param done `done(null, user)` logs `user` in; `done(null, false, { message })` fails the login; `done(err)` errs.
   */
  verify(
    accessToken: string,
    refreshToken: string | undefined,
    params: SalesforceTokenParams,
    profile: SalesforceProfile,
    done: SalesforceVerifyCallback,
  ): void;
}['verify'];

/** The verify callback with `passReqToCallback: true`: the request comes first. */
export type SalesforceVerifyFunctionWithRequest = {
  /**
   * Decides who the user is, after the code exchange and the checks.
   *
   * @param req The callback's request.
   * @param accessToken The Bearer token for API calls at the user's `instance_url`.
   * @param refreshToken Present when the `refresh_token` (or `offline_access`) scope was granted.
   * @param profile The user, from the identity URL.
   * @param done `done(null, user)` logs `user` in; `done(null, false, { message })` fails the login; `done(err)` errs.
   */
  verify(
    req: Request,
    accessToken: string,
    refreshToken: string | undefined,
    profile: SalesforceProfile,
    done: SalesforceVerifyCallback,
  ): void;
}['verify'];

/** The verify callback with `passReqToCallback: true` and the token response. */
export type SalesforceVerifyFunctionWithRequestAndParams = {
  /**
   * Decides who the user is, after the code exchange and the checks.
   *
   * @param req The callback's request.
   * @param accessToken The Bearer token for API calls at `params.instance_url`.
   * @param refreshToken Present when the `refresh_token` (or `offline_access`) scope was granted.
   * @param params Salesforce's token response.
   * @param profile The user, from the identity URL.
   * @param done `done(null, user)` logs `user` in; `done(null, false, { message })` fails the login; `done(err)` errs.
   */
  verify(
    req: Request,
    accessToken: string,
    refreshToken: string | undefined,
    params: SalesforceTokenParams,
    profile: SalesforceProfile,
    done: SalesforceVerifyCallback,
  ): void;
}['verify'];

/** @internal Any of the four verify forms; the strategy calls it by its arity. */
export type AnyVerifyFunction =
  | SalesforceVerifyFunction
  | SalesforceVerifyFunctionWithParams
  | SalesforceVerifyFunctionWithRequest
  | SalesforceVerifyFunctionWithRequestAndParams;

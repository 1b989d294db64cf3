import type { Request } from 'express';
import type { SalesforceIdTokenClaims } from './id-token.js';
import type { SalesforceProfile } from './profile.js';
import type { TokenResponse } from './salesforce-client.js';

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

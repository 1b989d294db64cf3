import type { Request } from 'express';
import type { SalesforceIdTokenClaims } from './id-token.js';
import type { SalesforceProfile } from './profile.js';
import type { TokenResponse } from './salesforce-client.js';

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

/** Any of the four verify forms; the strategy calls it by its arity. */
export type AnyVerifyFunction =
  | SalesforceVerifyFunction
  | SalesforceVerifyFunctionWithParams
  | SalesforceVerifyFunctionWithRequest
  | SalesforceVerifyFunctionWithRequestAndParams;

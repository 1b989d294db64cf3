/** The package's public exports. */
export { SalesforcePkceStrategy, SalesforcePkceStrategy as Strategy } from './strategy.js';
export type { SalesforceAuthenticateOptions } from './authorization-params.js';
export type {
  SalesforceIdentity,
  SalesforceIdTokenClaims,
  SalesforceProfile,
  SalesforceTokenCallOptions,
  SalesforceTokenParams,
  SalesforceTokenSet,
  SalesforceVerifyCallback,
  SalesforceVerifyFunction,
  SalesforceVerifyFunctionWithParams,
  SalesforceVerifyFunctionWithRequest,
  SalesforceVerifyFunctionWithRequestAndParams,
} from './types.js';
export type {
  SalesforceStrategyOptions,
  SalesforceStrategyOptionsBase,
  SalesforceStrategyOptionsWithRequest,
  SkipUserProfile,
  SkipUserProfileCallback,
} from './options.js';
export type {
  JsonValue,
  PendingLogin,
  PendingLoginRecord,
  PendingLoginStateStore,
  StateStoreMeta,
  StateStoreStoreCallback,
  StateStoreVerifyCallback,
} from './pending-logins.js';
export { CookiePendingLoginStore, type CookiePendingLoginStoreOptions } from './cookie-store.js';
export { createPkcePair, type PkcePair } from './pkce.js';
export { logOut } from './session.js';
export { verifyTokenSignature, type SignedTokenFields } from './token-response.js';
export {
  IdentityOriginError,
  IdTokenError,
  InvalidOptionError,
  LoginURLNotAllowedError,
  SalesforceAuthorizationError,
  SalesforceError,
  SalesforceNetworkError,
  SalesforceOAuthError,
  SalesforceResponseError,
  SalesforceTimeoutError,
  type IdTokenCheck,
  type SalesforceEndpoint,
  type SalesforceErrorCode,
} from './errors.js';

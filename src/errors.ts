import type { SalesforceTokenSet } from './types.js';

/**
 * The errors the strategy raises: each with a stable `code`, a message without tokens or personal
 * data, and Salesforce's own words where it gave them.
 */

/** Which Salesforce call an error came from. */
export type SalesforceEndpoint = 'token' | 'identity' | 'refresh' | 'revoke' | 'keys';

/**
 * What went wrong, as a stable string for `switch` statements and logs. Errors whose code says it
 * all are a plain {@link SalesforceError}: `TOKEN_SIGNATURE_MISMATCH` (the token response's
 * `signature` does not match `clientSecret`), `SESSION_REQUIRED` (no session middleware),
 * `SESSION_SAVE_FAILED` (the store's error is the `cause`), `HOST_HEADER_MISSING` (a relative
 * `callbackURL` and a request without `Host`), `VERIFY_CALLBACK_FAILED` (the verify callback threw
 * something that is not an `Error`, the `cause`) and `STATE_STORE_FAILED` (the `store` option broke
 * its contract; the message says how). Each other code has its own class, with fields.
 */
export type SalesforceErrorCode =
  | 'SALESFORCE_OAUTH_ERROR'
  | 'SALESFORCE_AUTHORIZATION_ERROR'
  | 'SALESFORCE_RESPONSE_ERROR'
  | 'SALESFORCE_TIMEOUT'
  | 'SALESFORCE_NETWORK_ERROR'
  | 'TOKEN_SIGNATURE_MISMATCH'
  | 'IDENTITY_ORIGIN_REJECTED'
  | 'ID_TOKEN_INVALID'
  | 'SESSION_REQUIRED'
  | 'SESSION_SAVE_FAILED'
  | 'HOST_HEADER_MISSING'
  | 'LOGIN_URL_NOT_ALLOWED'
  | 'VERIFY_CALLBACK_FAILED'
  | 'STATE_STORE_FAILED'
  | 'INVALID_OPTION';

/** Token sets Salesforce issued before the error that carries them; kept apart so no logger writes them. */
const issuedTokens = new WeakMap<SalesforceError, SalesforceTokenSet>();

/**
 * Base class of every error the strategy produces. Messages never contain a token, an
 * authorization code or a code verifier, so they are safe to log.
 */
export class SalesforceError extends Error {
  /** The class's name, e.g. `'SalesforceTimeoutError'`: what loggers print before the message. */
  override name = 'SalesforceError';
  /** What went wrong, stable across versions, e.g. `SALESFORCE_TIMEOUT`. */
  readonly code: SalesforceErrorCode;

  constructor(code: SalesforceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /**
   * On a `refresh()` that Salesforce answered 200 but a later check failed: the new token set
   * Salesforce issued. With refresh token rotation the old refresh token is already spent, so
   * store `tokens.refreshToken`; use `tokens.accessToken` only if you accept what failed (the
   * error says what). `undefined` on every other error. Read it explicitly: `util.inspect`,
   * `JSON.stringify` and loggers do not write it.
   */
  get tokens(): SalesforceTokenSet | undefined {
    return issuedTokens.get(this);
  }
}

/** @internal Hands the token set Salesforce issued to the app on the error that ends a refresh. */
export function withIssuedTokens(error: unknown, tokens: SalesforceTokenSet): unknown {
  if (error instanceof SalesforceError) issuedTokens.set(error, tokens);
  return error;
}

/**
 * Error codes Salesforce and the OAuth RFCs document for the token, identity and revoke
 * endpoints. Only these reach a message: any other text Salesforce sends may repeat what the
 * request carried, in some encoding no redaction foresees.
 */
const DOCUMENTED_ERROR_CODES: ReadonlySet<string> = new Set([
  // RFC 6749 §5.2, RFC 7009 §2.2.1
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_token_type',
  'invalid_token',
  'server_error',
  'temporarily_unavailable',
  // Salesforce's token endpoint
  'invalid_client_id',
  'redirect_uri_mismatch',
  'redirect_uri_missing',
  'inactive_user',
  'inactive_org',
  'rate_limit_exceeded',
  'invalid_app_access',
  'app_blocked',
  'oauth_flow_disabled',
  'OAUTH_APP_BLOCKED',
  // Salesforce's identity URL
  'Bad_OAuth_Token',
  'Missing_OAuth_Token',
  'Wrong_Org',
  'HTTPS_Required',
  'Bad_Id',
  'Inactive',
  'No_Access',
  'No_Site_Endpoint',
  'Invalid_Version',
  'Invalid_Callback',
]);

/**
 * Salesforce answered an OAuth call with its error JSON, e.g. `invalid_grant` /
 * `invalid code verifier`. `error` and `error_description` are Salesforce's own words, read from
 * the error on request; loggers, `util.inspect` and `JSON.stringify` do not write them, and the
 * message names `error` only when it is a documented error code, because an answer may repeat
 * what the request carried (the code, the verifier, the consumer secret, a refresh token).
 */
export class SalesforceOAuthError extends SalesforceError {
  override name = 'SalesforceOAuthError';
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The call Salesforce refused: `token` (code exchange), `identity`, `refresh`, `revoke` or `keys`. */
  readonly endpoint: SalesforceEndpoint;
  readonly #error: string;
  readonly #errorDescription: string;

  constructor(endpoint: SalesforceEndpoint, status: number, error: string, errorDescription: string) {
    const words = DOCUMENTED_ERROR_CODES.has(error) ? error : 'an error code Salesforce does not document';
    super('SALESFORCE_OAUTH_ERROR', `Salesforce ${endpoint} request failed: HTTP ${status}, ${words}`);
    this.endpoint = endpoint;
    this.status = status;
    this.#error = error;
    this.#errorDescription = errorDescription;
  }

  /** Salesforce's `error`, e.g. `invalid_grant`. */
  get error(): string {
    return this.#error;
  }

  /** Salesforce's `error_description`, e.g. `expired authorization code`; `''` when absent. */
  get error_description(): string {
    return this.#errorDescription;
  }
}

/**
 * Salesforce redirected back to the callback with an `error` other than `access_denied`
 * (which is a plain login failure), e.g. `OAUTH_APP_BLOCKED` or `invalid_scope`.
 */
export class SalesforceAuthorizationError extends SalesforceError {
  override name = 'SalesforceAuthorizationError';
  /** Salesforce's `error` from the callback, e.g. `OAUTH_APP_BLOCKED`. */
  readonly error: string;
  /** Salesforce's `error_description` from the callback; `''` when absent. */
  readonly error_description: string;

  constructor(error: string, errorDescription: string) {
    super('SALESFORCE_AUTHORIZATION_ERROR', `Salesforce authorization failed: ${error}${errorDescription ? ` (${errorDescription})` : ''}`);
    this.error = error;
    this.error_description = errorDescription;
  }
}

/** Salesforce answered with something that is not a usable response: a 5xx, an HTML page, malformed or empty JSON. */
export class SalesforceResponseError extends SalesforceError {
  override name = 'SalesforceResponseError';
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The call that got the answer: `token` (code exchange), `identity`, `refresh`, `revoke` or `keys`. */
  readonly endpoint: SalesforceEndpoint;

  constructor(endpoint: SalesforceEndpoint, status: number, problem: string, options?: { cause?: unknown }) {
    super('SALESFORCE_RESPONSE_ERROR', `Salesforce ${endpoint} request failed: HTTP ${status}, ${problem}`, options);
    this.endpoint = endpoint;
    this.status = status;
  }
}

/** Salesforce did not answer within `requestTimeout`. */
export class SalesforceTimeoutError extends SalesforceError {
  override name = 'SalesforceTimeoutError';
  /** The call that timed out: `token` (code exchange), `identity`, `refresh`, `revoke` or `keys`. */
  readonly endpoint: SalesforceEndpoint;
  /** The bound that passed, in ms (`requestTimeout`). */
  readonly timeout: number;

  constructor(endpoint: SalesforceEndpoint, timeout: number) {
    super('SALESFORCE_TIMEOUT', `Salesforce ${endpoint} request timed out after ${timeout} ms`);
    this.endpoint = endpoint;
    this.timeout = timeout;
  }
}

/** The connection to Salesforce failed (refused, reset, DNS, TLS). The socket error is the `cause`. */
export class SalesforceNetworkError extends SalesforceError {
  override name = 'SalesforceNetworkError';
  /** The call whose connection failed: `token` (code exchange), `identity`, `refresh`, `revoke` or `keys`. */
  readonly endpoint: SalesforceEndpoint;

  constructor(endpoint: SalesforceEndpoint, cause: unknown) {
    const reason = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : 'connection failed';
    super('SALESFORCE_NETWORK_ERROR', `Salesforce ${endpoint} request failed: ${reason}`, { cause });
    this.endpoint = endpoint;
  }
}

/** The identity URL in the token response points at an origin that does not belong to this login. */
export class IdentityOriginError extends SalesforceError {
  override name = 'IdentityOriginError';
  /** The rejected origin, e.g. `https://evil.example`. */
  readonly origin: string;

  constructor(origin: string) {
    super('IDENTITY_ORIGIN_REJECTED', `The identity URL's origin ${origin} does not belong to this Salesforce login; it was not fetched`);
    this.origin = origin;
  }
}

/** Which check an id_token failed. */
export type IdTokenCheck =
  | 'missing'
  | 'malformed'
  | 'type'
  | 'signature'
  | 'key'
  | 'issuer'
  | 'audience'
  | 'authorized-party'
  | 'expired'
  | 'not-yet-valid'
  | 'too-old'
  | 'nonce'
  | 'subject';

const ID_TOKEN_PROBLEMS: Record<IdTokenCheck, string> = {
  missing: 'openid was requested but the token response has no id_token',
  malformed: 'the id_token is not a well-formed RS256 JWT with the claims Salesforce sends',
  type: 'the id_token header names another type of JWT than an id_token',
  signature: "the id_token signature does not verify against the login host's keys",
  key: "no key of the login host's /id/keys matches the id_token's kid",
  issuer: 'the id_token was not issued by the login host used for this login',
  audience: 'the id_token was not issued to this client id',
  'authorized-party': 'the id_token names several audiences, or an azp, and azp is not this client id',
  expired: 'the id_token has expired',
  'not-yet-valid': 'the id_token is not valid yet, or was issued in the future',
  'too-old': 'the id_token was issued more than 15 minutes ago',
  nonce: 'the id_token nonce does not match this login',
  subject: "the id_token's sub is not the user of the token response's identity URL",
};

/** An id_token failed verification; `check` says which check. The login fails. */
export class IdTokenError extends SalesforceError {
  override name = 'IdTokenError';
  /** The check that failed, e.g. `issuer`, `audience`, `nonce` or `expired`. */
  readonly check: IdTokenCheck;

  constructor(check: IdTokenCheck, options?: { cause?: unknown }) {
    super(
      'ID_TOKEN_INVALID',
      `id_token rejected (${check}): ${ID_TOKEN_PROBLEMS[check]}`,
      options && 'cause' in options ? { cause: withoutTokenContents(options.cause) } : undefined,
    );
    this.check = check;
  }
}

/**
 * The JOSE library's error, as an `IdTokenError` may carry it: its name, `code`, message and
 * stack, without the `payload` (the id_token's claims: the user's name, email, phone, address)
 * that `util.inspect` and loggers would write.
 */
function withoutTokenContents(cause: unknown): unknown {
  if (!(cause instanceof Error)) return cause;
  const copy = new Error(cause.message);
  copy.name = cause.name;
  copy.stack = cause.stack;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

/**
 * A login base (a request's `loginURL`, or one kept with a pending login or passed to `refresh()`
 * or `revoke()`) that `allowedLoginURLs` does not allow, or that a RegExp or function of it
 * admitted although Salesforce does not run that host. Nothing was sent to it.
 */
export class LoginURLNotAllowedError extends SalesforceError {
  override name = 'LoginURLNotAllowedError';
  /** The refused login base, without trailing slash. */
  readonly loginURL: string;

  constructor(loginURL: string, reason: 'not-listed' | 'not-salesforce') {
    super(
      'LOGIN_URL_NOT_ALLOWED',
      reason === 'not-listed'
        ? `loginURL ${loginURL} is not in allowedLoginURLs`
        : `loginURL ${loginURL} is not a Salesforce login host; a custom domain must be listed in allowedLoginURLs as an exact URL`,
    );
    this.loginURL = loginURL;
  }
}

/**
 * A constructor option, an `authenticate` option, what an overridden method returned, or an
 * argument of a method is wrong; the message names it. A `TypeError`, with the stable `code`
 * every error of the strategy has.
 */
export class InvalidOptionError extends TypeError {
  /** Always `'InvalidOptionError'`. */
  override name = 'InvalidOptionError';
  /** Always `INVALID_OPTION`. */
  readonly code = 'INVALID_OPTION' satisfies SalesforceErrorCode;
}

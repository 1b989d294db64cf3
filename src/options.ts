import { DEFAULT_LOGIN_URL, loginBase, loginTarget, parseSalesforceURL, type LoginTarget } from './endpoints.js';
import { unknownOptionProblems } from './option-names.js';

/** Options shared by both constructor forms. Only `clientID` and `callbackURL` are required. */
export interface SalesforceStrategyOptionsBase {
  /** The Connected App's consumer key. Required. */
  clientID: string;
  /**
   * Where Salesforce sends the browser back; must equal one of the Connected App's Callback URLs.
   * A path (`/auth/salesforce/callback`) is resolved against the incoming request's origin, from
   * the site's root: in a router mounted with `app.use('/portal', router)`, write
   * `/portal/auth/salesforce/callback`. Required.
   */
  callbackURL: string;
  /** The consumer secret. Omit for a public client: no `client_secret` is sent then. Default: none. */
  clientSecret?: string;
  /**
   * Login base: production, `https://test.salesforce.com`, a My Domain, or an Experience Cloud
   * site URL (its path is kept). `http:` only for loopback hosts. Default: `https://login.salesforce.com`.
   */
  loginURL?: string;
  /** Explicit authorization endpoint. Default: `{loginURL}/services/oauth2/authorize`. */
  authorizationURL?: string;
  /** Explicit token endpoint. Default: `{loginURL}/services/oauth2/token`. */
  tokenURL?: string;
  /** Strategy name for `passport.authenticate(name)`. Default: `'salesforce'`. */
  name?: string;
  /** Scopes to request, e.g. `['api', 'refresh_token']`. Default: none (the Connected App's scopes). */
  scope?: string | readonly string[];
  /** Bound in ms on every HTTP call to Salesforce. Default: `10000`. */
  requestTimeout?: number;
  /** Seconds a started login may take to come back. Default: `600`. */
  pendingLoginTtl?: number;
  /** Pending logins kept per session (several tabs); the oldest is dropped beyond it. Default: `10`. */
  maxPendingLogins?: number;
  /**
   * Check the token response's `signature` (HMAC-SHA256 of `id + issued_at` with the secret).
   * Default: `true` when `clientSecret` is set; `true` without a secret is a `TypeError`.
   */
  verifyTokenSignature?: boolean;
  /**
   * Skip the identity URL request. The profile then carries only what the token response tells:
   * `id`, `organizationId`, `identityUrl`, `instanceUrl`. Default: `false`.
   */
  skipUserProfile?: boolean;
  /** Session property that holds the pending logins. Default: `'salesforce-pkce:' + name`. */
  sessionKey?: string;
  /**
   * Login bases a request may choose with `passport.authenticate(name, { loginURL })`, for apps
   * that log each customer in through their own My Domain: URL strings (matched exactly, without
   * a trailing slash), RegExps tested against that string, or a function of the parsed URL.
   * The configured `loginURL` is always allowed. Default: only `loginURL`.
   */
  allowedLoginURLs?: ReadonlyArray<string | RegExp> | ((loginURL: URL) => boolean);
  /**
   * Trust `X-Forwarded-Proto`/`X-Forwarded-Host` when resolving a relative `callbackURL`.
   * With a `secure` session cookie, set Express's `trust proxy` instead (or as well): the session
   * middleware only sends a secure cookie when Express trusts the proxy. Default: Express's
   * `trust proxy` setting.
   */
  trustProxy?: boolean;
}

/** Constructor options of a strategy whose verify callback does not take the request. */
export interface SalesforceStrategyOptions extends SalesforceStrategyOptionsBase {
  /** Pass the request as the verify callback's first argument. Default: `false`. */
  passReqToCallback?: false;
}

/** Constructor options of a strategy whose verify callback takes the request first. */
export interface SalesforceStrategyOptionsWithRequest extends SalesforceStrategyOptionsBase {
  /** Pass the request as the verify callback's first argument. */
  passReqToCallback: true;
}

/** Constructor options after validation, with every default applied. */
export interface ResolvedOptions {
  name: string;
  clientID: string;
  clientSecret: string | undefined;
  callbackURL: string;
  /** The configured login base with its endpoints. */
  login: LoginTarget;
  scope: string | undefined;
  requestTimeout: number;
  pendingLoginTtl: number;
  maxPendingLogins: number;
  verifyTokenSignature: boolean;
  skipUserProfile: boolean;
  sessionKey: string;
  trustProxy: boolean | undefined;
  passReqToCallback: boolean;
  /** Whether a per-request login base (already parsed, without trailing slash) may be used. */
  isAllowedLoginURL: (loginURL: URL) => boolean;
}

const PREFIX = 'SalesforcePkceStrategy';

function fail(option: string, problem: string): never {
  throw new TypeError(`${PREFIX}: options.${option} ${problem}`);
}

function optionalString(options: Record<string, unknown>, option: string): string | undefined {
  const value = options[option];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'must be a non-empty string');
  return value;
}

function optionalBoolean(options: Record<string, unknown>, option: string): boolean | undefined {
  const value = options[option];
  if (value !== undefined && typeof value !== 'boolean') fail(option, 'must be true or false');
  return value as boolean | undefined;
}

function positiveNumber(options: Record<string, unknown>, option: string, fallback: number, integer: boolean): number {
  const value = options[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    fail(option, `must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return value;
}

function optionalURL(options: Record<string, unknown>, option: string): URL | undefined {
  const value = optionalString(options, option);
  return value === undefined ? undefined : parseOption(value, option);
}

function parseOption(value: string, option: string): URL {
  try {
    return parseSalesforceURL(value, `options.${option}`);
  } catch (error) {
    throw new TypeError(`${PREFIX}: ${(error as Error).message}`, { cause: error });
  }
}

function isCallbackURL(value: string): boolean {
  // `//host/path` is a path to a browser but another host to URL resolution: not a path here.
  if (value.startsWith('/')) return !value.startsWith('//') && !value.startsWith('/\\');
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Turns a scope option (string or array) into the space-separated string Salesforce expects,
 * or returns an error message when it is not one.
 */
export function normaliseScope(value: unknown): string | undefined | { error: string } {
  if (value === undefined) return undefined;
  const parts = typeof value === 'string' ? value.split(/[\s,]+/) : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (!parts || parts.some((part) => typeof part !== 'string')) return { error: 'must be a string or an array of strings' };
  const scopes = (parts as string[]).map((part) => part.trim()).filter(Boolean);
  if (scopes.some((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))) return { error: 'contains a scope with characters RFC 6749 does not allow' };
  return scopes.length > 0 ? scopes.join(' ') : undefined;
}

function allowedLoginURLs(value: unknown, loginURL: URL): (candidate: URL) => boolean {
  const configured = loginBase(loginURL);
  if (value === undefined) return (candidate) => loginBase(candidate) === configured;
  if (typeof value === 'function') {
    return (candidate) => loginBase(candidate) === configured || (value as (url: URL) => unknown)(candidate) === true;
  }
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' || entry instanceof RegExp)) {
    fail('allowedLoginURLs', 'must be an array of URL strings and RegExps, or a function (loginURL: URL) => boolean');
  }
  const exact = new Set<string>([configured]);
  const patterns: RegExp[] = [];
  for (const entry of value as Array<string | RegExp>) {
    if (entry instanceof RegExp) patterns.push(entry);
    else exact.add(loginBase(parseOption(entry, 'allowedLoginURLs')));
  }
  return (candidate) => {
    const base = loginBase(candidate);
    return exact.has(base) || patterns.some((pattern) => {
      pattern.lastIndex = 0;
      return pattern.test(base);
    });
  };
}

/** Validates constructor options; every problem is a `TypeError` naming the option. */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError(`${PREFIX}: options must be an object with at least clientID and callbackURL`);
  }
  const options = input as Record<string, unknown>;
  const unknown = unknownOptionProblems(options);
  if (unknown.length > 0) throw new TypeError(`${PREFIX}: ${unknown.join('; ')}`);
  const clientID = optionalString(options, 'clientID') ?? fail('clientID', "is required: the Connected App's consumer key");
  const callbackURL = optionalString(options, 'callbackURL') ?? fail('callbackURL', 'is required, e.g. "/auth/salesforce/callback"');
  if (!isCallbackURL(callbackURL)) fail('callbackURL', 'must be an absolute http(s) URL or a path starting with "/"');
  const clientSecret = optionalString(options, 'clientSecret');
  const loginURL = optionalURL(options, 'loginURL') ?? new URL(DEFAULT_LOGIN_URL);
  const scope = normaliseScope(options.scope);
  if (typeof scope === 'object') fail('scope', scope.error);
  const verifyTokenSignature = optionalBoolean(options, 'verifyTokenSignature') ?? clientSecret !== undefined;
  if (verifyTokenSignature && clientSecret === undefined) {
    fail('verifyTokenSignature', 'needs options.clientSecret: the signature is keyed with the consumer secret');
  }
  const name = optionalString(options, 'name') ?? 'salesforce';
  const passReqToCallback = optionalBoolean(options, 'passReqToCallback') ?? false;
  return {
    name,
    clientID,
    clientSecret,
    callbackURL,
    login: loginTarget(loginURL, {
      authorizationURL: optionalURL(options, 'authorizationURL'),
      tokenURL: optionalURL(options, 'tokenURL'),
    }),
    scope,
    requestTimeout: positiveNumber(options, 'requestTimeout', 10_000, true),
    pendingLoginTtl: positiveNumber(options, 'pendingLoginTtl', 600, false),
    maxPendingLogins: positiveNumber(options, 'maxPendingLogins', 10, true),
    verifyTokenSignature,
    skipUserProfile: optionalBoolean(options, 'skipUserProfile') ?? false,
    sessionKey: optionalString(options, 'sessionKey') ?? `salesforce-pkce:${name}`,
    trustProxy: optionalBoolean(options, 'trustProxy'),
    passReqToCallback,
    isAllowedLoginURL: allowedLoginURLs(options.allowedLoginURLs, loginURL),
  };
}

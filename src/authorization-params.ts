import { InvalidOptionError } from './errors.js';
import { normaliseScope } from './options.js';
import type { JsonValue } from './pending-logins.js';

/**
 * The fields the app adds to Salesforce's requests: the per-request options of `authenticate`
 * as authorization parameters, and what `authorizationParams()` and `tokenParams()` overrides
 * return, kept off the fields the strategy sets itself. Pure functions of their arguments.
 */

/** Per-request options of `passport.authenticate('salesforce', options)` that this strategy reads. */
export interface SalesforceAuthenticateOptions {
  /** Scopes for this login; wins over the strategy's `scope`. Default: the strategy's `scope`. */
  scope?: string | readonly string[];
  /**
   * Salesforce `prompt`: `login`, `consent`, `select_account`, or several of them space-separated.
   * Default: none (Salesforce asks only what it must).
   */
  prompt?: string;
  /** Salesforce `login_hint`: pre-fills the username. Default: none. */
  loginHint?: string;
  /** Salesforce `display`: `page`, `popup`, `touch` or `mobile`. Default: none (Salesforce's `page`). */
  display?: 'page' | 'popup' | 'touch' | 'mobile';
  /**
   * The login base for this login, e.g. a customer's My Domain. It must be the strategy's
   * `loginURL` or match `allowedLoginURLs`; otherwise the login fails before any redirect.
   * Default: the strategy's `loginURL`.
   */
  loginURL?: string;
  /**
   * App data kept with the pending login and handed back as `info.state` on success, e.g.
   * `{ returnTo: '/reports' }`. Must be JSON. It is never sent to Salesforce. Default: none.
   */
  state?: JsonValue;
}

const PROMPTS = new Set(['login', 'consent', 'select_account']);
const DISPLAYS = new Set(['page', 'popup', 'touch', 'mobile']);

/** Salesforce authorization parameters from the per-request options; throws a `TypeError` naming a bad one. */
export function authorizationParams(options: SalesforceAuthenticateOptions, defaultScope: string | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  const scope = options.scope === undefined ? defaultScope : normaliseScope(options.scope);
  if (typeof scope === 'object') throw new InvalidOptionError(`authenticate option "scope" ${scope.error}`);
  if (scope) params.scope = scope;
  if (options.prompt !== undefined) {
    if (typeof options.prompt !== 'string' || !options.prompt.split(' ').every((prompt) => PROMPTS.has(prompt))) {
      throw new InvalidOptionError(
        'authenticate option "prompt" must be "login", "consent", "select_account" or several of them space-separated',
      );
    }
    params.prompt = options.prompt;
  }
  // passport-forcedotcom's spelling would otherwise be dropped without a word.
  if ((options as { login_hint?: unknown }).login_hint !== undefined) {
    throw new InvalidOptionError('authenticate option "login_hint" is not an option: write loginHint (it is sent as login_hint)');
  }
  if (options.loginHint !== undefined) {
    if (typeof options.loginHint !== 'string' || options.loginHint.length > 512) {
      throw new InvalidOptionError('authenticate option "loginHint" must be a string (a Salesforce username)');
    }
    params.login_hint = options.loginHint;
  }
  if (options.display !== undefined) {
    if (typeof options.display !== 'string' || !DISPLAYS.has(options.display)) {
      throw new InvalidOptionError('authenticate option "display" must be "page", "popup", "touch" or "mobile"');
    }
    params.display = options.display;
  }
  return params;
}

/** Fields of the authorization request that the strategy sets and `authorizationParams()` may not. */
export const STRATEGY_AUTHORIZATION_FIELDS: readonly string[] = [
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
];

/** Fields of the code exchange that the strategy sets and `tokenParams()` may not. */
export const STRATEGY_TOKEN_FIELDS: readonly string[] = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'client_id',
  'client_secret',
];

/**
 * What an `authorizationParams()` or `tokenParams()` override returned, as request fields: an
 * object of strings (`undefined` values left out). Throws a `TypeError` naming the method for
 * anything else, and for a field the strategy sets itself.
 */
export function extraParams(
  method: 'authorizationParams' | 'tokenParams',
  value: unknown,
  strategyFields: readonly string[],
): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidOptionError(`${method}() must return an object of strings`);
  const params: Record<string, string> = {};
  for (const [name, field] of Object.entries(value)) {
    if (field === undefined) continue;
    if (typeof field !== 'string')
      throw new InvalidOptionError(
        `${method}() must return an object of strings; ${name} is ${field === null ? 'null' : `a ${typeof field}`}`,
      );
    if (strategyFields.includes(name)) throw new InvalidOptionError(`${method}() may not set ${name}: the strategy sets it`);
    params[name] = field;
  }
  return params;
}

/** Whether a space-separated scope asks for `openid` (then the login carries a nonce). */
export function hasOpenIdScope(scope: string | undefined): boolean {
  return scope?.split(' ').includes('openid') ?? false;
}

/** Characters URLSearchParams leaves as they are (the WHATWG urlencoded serializer). */
const FORM_SAFE = /^[A-Za-z0-9*._-]*$/;

/** `value` as URLSearchParams encodes it, without building one for the common case that needs no encoding. */
export function formEncode(value: string): string {
  return FORM_SAFE.test(value) ? value : new URLSearchParams([['', value]]).toString().slice(1);
}

/** The fields of an authorization request that the strategy sets, each already form-encoded. */
export interface EncodedAuthorizationFields {
  clientID: string;
  redirectURI: string;
  state: string;
  codeChallenge: string;
  nonce?: string | undefined;
}

/**
 * The authorization request's query string: the app's parameters (from `authorizationParams()`),
 * then the strategy's, in URLSearchParams' encoding. A login start builds one per request, so
 * the fields that do not change between logins come encoded.
 */
export function authorizationQuery(params: Record<string, string>, fields: EncodedAuthorizationFields): string {
  let query = '';
  for (const [name, value] of Object.entries(params)) query += `${formEncode(name)}=${formEncode(value)}&`;
  if (fields.nonce !== undefined) query += `nonce=${fields.nonce}&`;
  return (
    `${query}response_type=code&client_id=${fields.clientID}&redirect_uri=${fields.redirectURI}` +
    `&state=${fields.state}&code_challenge=${fields.codeChallenge}&code_challenge_method=S256`
  );
}

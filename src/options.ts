import type { Agent } from 'node:http';
import { DEFAULT_LOGIN_URL, loginBase, loginTarget, parseSalesforceURL, patternMayAdmit, type LoginTarget } from './endpoints.js';
import { InvalidOptionError } from './errors.js';
import type { PendingLoginStateStore } from './pending-logins.js';

/**
 * The constructor's options: their types and defaults, each checked with a `TypeError` that names
 * it, and what to tell someone who wrote a name that is not an option.
 */

/** Called back by an asynchronous `skipUserProfile` function: `skip` true leaves the identity request out. */
export type SkipUserProfileCallback = (err: Error | null, skip?: boolean) => void;

/**
 * `skipUserProfile`, as in passport-oauth2: a boolean, a function of the access token that returns
 * one, or a function `(accessToken, done)` that calls back `done(err, skip)`.
 */
export type SkipUserProfile = boolean | ((accessToken: string, done: SkipUserProfileCallback) => unknown);

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
  /** Bound in ms on every HTTP call to Salesforce, at most 2^31 - 1 (Node's longest timer). Default: `10000`. */
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
   * Skip the identity URL request (and `userProfile`). The profile then carries only what the
   * token response tells: `id`, `organizationId`, `identityUrl`, `instanceUrl`. As in
   * passport-oauth2, a function may decide per login: `(accessToken) => boolean`, or
   * `(accessToken, done)` calling back `done(err, skip)`. Default: `false`.
   */
  skipUserProfile?: SkipUserProfile;
  /** Session property that holds the pending logins. Default: `'salesforce-pkce:' + name`. */
  sessionKey?: string;
  /**
   * Login bases a request may choose with `passport.authenticate(name, { loginURL })`, for apps
   * that log each customer in through their own My Domain: URL strings (matched exactly, without
   * a trailing slash), RegExps tested against that string, or a function of the parsed URL.
   * The configured `loginURL` is always allowed. An exact string may name any https host (a
   * custom domain); what a RegExp or function admits must also be https on a host Salesforce runs
   * (`login`/`test.salesforce.com`, `*.my.salesforce.com` in all its sandbox, scratch and
   * developer forms, `*.my.salesforce.mil`, Experience Cloud `*.my.site.com`, with at most a
   * site prefix; never the `*.force.com` hosts where customers publish content), whatever the pattern says: one foreign host would let an
   * attacker collect codes, verifiers and the consumer secret (authorization-server mix-up). A
   * loopback base passes a RegExp or function only when `loginURL` is loopback too (a local
   * emulator); otherwise list it as an exact string. Default: only `loginURL`.
   */
  allowedLoginURLs?: ReadonlyArray<string | RegExp> | ((loginURL: URL) => boolean);
  /**
   * Trust `X-Forwarded-Proto`/`X-Forwarded-Host` when resolving a relative `callbackURL`.
   * With a `secure` session cookie, set Express's `trust proxy` instead (or as well): the session
   * middleware only sends a secure cookie when Express trusts the proxy. Default: Express's
   * `trust proxy` setting.
   */
  trustProxy?: boolean;
  /**
   * Where pending logins wait between the redirect to Salesforce and the callback, with
   * passport-oauth2's PKCE state store interface (`store(req, verifier, state, meta, cb)` /
   * `verify(req, handle, cb)`): for apps without sessions, `new CookiePendingLoginStore({ secret })`
   * or a store of your own. Default: the session, under `sessionKey`.
   */
  store?: PendingLoginStateStore;
  /**
   * The `http.Agent`/`https.Agent` for every call to Salesforce (token, identity, keys, refresh,
   * revoke): a forward proxy (`new HttpsProxyAgent(process.env.HTTPS_PROXY)`), a private CA, mutual
   * TLS. `strategy._oauth2.setAgent(agent)` sets it too. Default: the package's own keep-alive agents.
   */
  agent?: Agent;
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
  skipUserProfile: SkipUserProfile;
  sessionKey: string;
  trustProxy: boolean | undefined;
  passReqToCallback: boolean;
  /** The app's state store; the session store when undefined. */
  store: PendingLoginStateStore | undefined;
  agent: Agent | undefined;
  /** Whether a per-request login base (already parsed, without trailing slash) may be used. */
  isAllowedLoginURL: (loginURL: URL) => LoginURLVerdict;
}

const PREFIX = 'SalesforcePkceStrategy';

function fail(option: string, problem: string): never {
  throw new InvalidOptionError(`${PREFIX}: options.${option} ${problem}`);
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

function skipUserProfile(options: Record<string, unknown>): SkipUserProfile {
  const value = options.skipUserProfile;
  if (value === undefined) return false;
  if (typeof value !== 'boolean' && typeof value !== 'function')
    fail('skipUserProfile', 'must be true, false or a function (accessToken[, done])');
  return value as SkipUserProfile;
}

function stateStore(options: Record<string, unknown>): PendingLoginStateStore | undefined {
  const value = options.store as Partial<Record<'store' | 'verify', unknown>> | undefined;
  if (value === undefined) return undefined;
  // The PKCE form of passport-oauth2's interface: a store without the verifier argument would lose it.
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.store !== 'function' ||
    value.store.length !== 5 ||
    typeof value.verify !== 'function' ||
    value.verify.length < 3
  ) {
    fail(
      'store',
      "must be a state store with passport-oauth2's PKCE interface: store(req, verifier, state, meta, callback) and verify(req, handle, callback)",
    );
  }
  return value as PendingLoginStateStore;
}

function agent(options: Record<string, unknown>): Agent | undefined {
  const value = options.agent;
  if (value === undefined) return undefined;
  // What node:http itself needs of an agent; proxy agents extend http.Agent but need not.
  if (typeof value !== 'object' || value === null || typeof (value as { addRequest?: unknown }).addRequest !== 'function') {
    fail('agent', 'must be an http.Agent or https.Agent, e.g. new HttpsProxyAgent(process.env.HTTPS_PROXY)');
  }
  return value as Agent;
}

/**
 * Node.js keeps a timer for at most 2^31 - 1 ms; a longer one fires after 1 ms (with a
 * TimeoutOverflowWarning), which would end every call to Salesforce at once.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

function timeout(options: Record<string, unknown>, option: string, fallback: number): number {
  const value = positiveNumber(options, option, fallback, true);
  if (value > MAX_TIMER_MS) fail(option, `must be at most ${MAX_TIMER_MS} (about 24.8 days), the longest timer Node.js keeps`);
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
    throw new InvalidOptionError(`${PREFIX}: ${(error as Error).message}`, { cause: error });
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
  if (scopes.some((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)))
    return { error: 'contains a scope with characters RFC 6749 does not allow' };
  return scopes.length > 0 ? scopes.join(' ') : undefined;
}

/**
 * What `allowedLoginURLs` says of a per-request login base: allowed, not matched by any entry, or
 * matched by a RegExp or function although Salesforce does not run it (RFC 9700 §4.4 mix-up).
 */
export type LoginURLVerdict = 'allowed' | 'not-listed' | 'not-salesforce';

/** The one string a RegExp matches (`/^https:\/\/login\.acme\.com$/`), when it is that simple. */
function literalOf(pattern: RegExp): string | undefined {
  const body = /^\^(.*)\$$/.exec(pattern.source)?.[1];
  if (body === undefined) return undefined;
  let literal = '';
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i] as string;
    if (char === '\\') {
      const escaped = body[i + 1] ?? '';
      if (!/^[./:-]$/.test(escaped)) return undefined;
      literal += escaped;
      i += 1;
    } else if ('^$.*+?()[]{}|'.includes(char)) {
      return undefined;
    } else {
      literal += char;
    }
  }
  return literal;
}

function checkPattern(pattern: RegExp, loginURL: URL): void {
  const literal = literalOf(pattern);
  if (literal === undefined || !URL.canParse(literal) || patternMayAdmit(new URL(literal), loginURL)) return;
  fail(
    'allowedLoginURLs',
    `entry ${String(pattern)} can never pass: a RegExp admits only https hosts Salesforce runs; list a custom domain as the exact string ${JSON.stringify(literal)}`,
  );
}

function exactEntry(entry: string): string {
  if (entry.includes('*')) {
    fail(
      'allowedLoginURLs',
      `entry ${JSON.stringify(entry)} is matched exactly, so its * can never match; use a RegExp such as /^https:\\/\\/[a-z0-9-]+\\.my\\.salesforce\\.com$/`,
    );
  }
  return loginBase(parseOption(entry, 'allowedLoginURLs'));
}

/**
 * The per-request login check. The configured `loginURL` and exact string entries are allowed as
 * written (the developer named the host, which may be a custom domain or a loopback port); what a
 * RegExp or function admits must also pass `patternMayAdmit`, whatever the pattern says.
 */
function allowedLoginURLs(value: unknown, loginURL: URL): (candidate: URL) => LoginURLVerdict {
  const exact = new Set<string>([loginBase(loginURL)]);
  let matches: (candidate: URL, base: string) => boolean = () => false;
  if (typeof value === 'function') {
    matches = (candidate) => (value as (url: URL) => unknown)(candidate) === true;
  } else if (value !== undefined) {
    // Array.from turns the holes of a sparse array into undefined, which every() would skip.
    const entries: unknown[] = Array.isArray(value) ? Array.from(value as unknown[]) : [];
    if (!Array.isArray(value) || !entries.every((entry) => typeof entry === 'string' || entry instanceof RegExp)) {
      fail('allowedLoginURLs', 'must be an array of URL strings and RegExps, or a function (loginURL: URL) => boolean');
    }
    const patterns: RegExp[] = [];
    for (const entry of entries as Array<string | RegExp>) {
      if (typeof entry === 'string') exact.add(exactEntry(entry));
      else {
        checkPattern(entry, loginURL);
        patterns.push(entry);
      }
    }
    matches = (_candidate, base) =>
      patterns.some((pattern) => {
        pattern.lastIndex = 0;
        return pattern.test(base);
      });
  }
  return (candidate) => {
    const base = loginBase(candidate);
    if (exact.has(base)) return 'allowed';
    if (!matches(candidate, base)) return 'not-listed';
    return patternMayAdmit(candidate, loginURL) ? 'allowed' : 'not-salesforce';
  };
}

/**
 * The constructor's option names, and what to tell someone who wrote another name: a typo such
 * as `loginUrl` must not leave logins on production, and options of passport-forcedotcom and
 * passport-oauth2 that mean something else here must say so. Pure functions.
 */

type OptionName = keyof SalesforceStrategyOptionsBase | 'passReqToCallback';

/** Every option of the types, so a new option that is missing here fails to compile. */
const OPTIONS: Record<OptionName, true> = {
  clientID: true,
  callbackURL: true,
  clientSecret: true,
  loginURL: true,
  authorizationURL: true,
  tokenURL: true,
  name: true,
  scope: true,
  requestTimeout: true,
  pendingLoginTtl: true,
  maxPendingLogins: true,
  verifyTokenSignature: true,
  skipUserProfile: true,
  sessionKey: true,
  allowedLoginURLs: true,
  trustProxy: true,
  store: true,
  agent: true,
  passReqToCallback: true,
};
/** The constructor's option names. */
export const OPTION_NAMES: readonly string[] = Object.keys(OPTIONS);

/** Options other strategies take that mean something else, or nothing, here; `name` is the strategy's name. */
function advice(name: string): Record<string, string> {
  const authenticate = `passport.authenticate('${name}', { … })`;
  const perRequest = `is an option of ${authenticate}, per login`;
  return {
    login_hint: `is not a constructor option: pass loginHint to ${authenticate.replace('…', 'loginHint')} (sent as login_hint)`,
    loginHint: perRequest,
    prompt: perRequest,
    display: perRequest,
    skipPhoto:
      "is passport-forcedotcom's: this strategy never requests the Chatter photo (profile.photos come from the identity response), so remove it; " +
      "or keep passport-forcedotcom's options and profile with require('passport-salesforce-pkce/forcedotcom')",
    profileURL:
      "is passport-salesforce's: the profile comes from the identity URL here (its fields are listed in docs/migration.md), so remove it; " +
      "or keep passport-salesforce's UserInfo profile (user_id, given_name, email…) with require('passport-salesforce-pkce/salesforce')",
    scopeSeparator: 'is not needed: scopes are always sent space-separated, as Salesforce requires, so remove it',
    pkce: 'is not needed: PKCE (S256) is always on and cannot be turned off, so remove it',
    state: `is not needed: state is always on; a per-login state object goes to ${authenticate.replace('…', 'state')} and comes back as info.state`,
    proxy: 'is passport-oauth2\'s: use trustProxy (or Express\'s "trust proxy" setting)',
    customHeaders: 'is not supported: the strategy sends the headers Salesforce needs, so remove it',
  };
}

/** Edit distance between two short strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const folded = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

/** The option an unknown name most likely meant: same letters in another case or with `_`, or one or two typos away. */
function nearMiss(name: string): string | undefined {
  const candidates = OPTION_NAMES.map((option) => ({ option, distance: distance(folded(name), folded(option)) }))
    .filter((candidate) => candidate.distance <= (name.length >= 8 ? 2 : 1))
    .sort((a, b) => a.distance - b.distance);
  return candidates[0]?.option;
}

/**
 * What is wrong with each option name that is not an option, e.g.
 * `options.loginUrl is not an option (did you mean loginURL?)`; empty when all are known. `name`
 * is the strategy's name, for the advice that shows a `passport.authenticate(name, …)` call.
 */
function unknownOptionProblems(options: object, name: string): string[] {
  const known = new Set<string>(OPTION_NAMES);
  const advised = advice(name);
  return Object.keys(options)
    .filter((option) => !known.has(option))
    .map((option) => {
      const says = Object.hasOwn(advised, option) ? advised[option] : undefined;
      if (says !== undefined) return `options.${option} ${says}`;
      const suggestion = nearMiss(option);
      return `options.${option} is not an option${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`;
    });
}

/** Validates constructor options; every problem is a `TypeError` naming the option. */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidOptionError(`${PREFIX}: options must be an object with at least clientID and callbackURL`);
  }
  const options = input as Record<string, unknown>;
  const unknown = unknownOptionProblems(options, typeof options.name === 'string' ? options.name : 'salesforce');
  if (unknown.length > 0) throw new InvalidOptionError(`${PREFIX}: ${unknown.join('; ')}`);
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
    requestTimeout: timeout(options, 'requestTimeout', 10_000),
    pendingLoginTtl: positiveNumber(options, 'pendingLoginTtl', 600, false),
    maxPendingLogins: positiveNumber(options, 'maxPendingLogins', 10, true),
    verifyTokenSignature,
    skipUserProfile: skipUserProfile(options),
    sessionKey: optionalString(options, 'sessionKey') ?? `salesforce-pkce:${name}`,
    trustProxy: optionalBoolean(options, 'trustProxy'),
    passReqToCallback,
    store: stateStore(options),
    agent: agent(options),
    isAllowedLoginURL: allowedLoginURLs(options.allowedLoginURLs, loginURL),
  };
}

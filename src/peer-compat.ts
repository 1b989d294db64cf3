import type { Request } from 'express';
import { DEFAULT_LOGIN_URL } from './endpoints.js';
import { OPTION_NAMES, type SalesforceStrategyOptionsBase } from './options.js';
import type { SalesforceTokenParams, SalesforceVerifyCallback } from './types.js';

/**
 * What the strategies of `passport-salesforce-pkce/forcedotcom` and `passport-salesforce-pkce/salesforce`
 * share: a peer package's constructor options turned into this strategy's, and its verify
 * callback called with the arguments the peer package gave it. Pure functions.
 */

/**
 * The token response as passport-oauth2 hands it to a verify callback: Salesforce's JSON without
 * `refresh_token` (node-oauth takes it out and passes it apart) and without `id_token_claims`.
 */
export type PeerTokenParams = SalesforceTokenParams;

/** What passport-forcedotcom and passport-salesforce sites pass: this strategy's options but `name` (the package's own), and passport-oauth2's. */
export interface PeerStrategyOptions extends Omit<SalesforceStrategyOptionsBase, 'name'> {
  /** passport-oauth2's: trust `X-Forwarded-Proto`/`X-Forwarded-Host`; `trustProxy` does the same. Default: Express's `trust proxy`. */
  proxy?: boolean;
  /** Ignored: scopes are always sent space-separated. */
  scopeSeparator?: string;
  /** Ignored: state is always on. */
  state?: boolean;
  /** Ignored: PKCE (S256) is always on. */
  pkce?: boolean;
  /** Pass the request as the verify callback's first argument. Default: `false`. */
  passReqToCallback?: boolean;
}

/** A peer package's verify callback, `(token, refreshToken, profile, done)` or with `params` before `profile`. */
export type PeerVerifyFunction<Token, Profile> =
  | {
      /**
       * Decides who the user is, as the peer package's callback did.
       *
       * @param token The access token (passport-forcedotcom: the object whose `params` is the token response).
       * @param refreshToken Present when a refresh token was granted.
       * @param profile The peer package's profile; `undefined` when `skipUserProfile` skipped it.
       * @param done `done(null, user[, info])` logs `user` in; `done(null, false, { message })` fails the login.
       */
      verify(token: Token, refreshToken: string | undefined, profile: Profile, done: SalesforceVerifyCallback): void;
    }['verify']
  | {
      /**
       * Decides who the user is, as the peer package's callback did.
       *
       * @param token The access token (passport-forcedotcom: the object whose `params` is the token response).
       * @param refreshToken Present when a refresh token was granted.
       * @param params The token response, without `refresh_token`.
       * @param profile The peer package's profile; `undefined` when `skipUserProfile` skipped it.
       * @param done `done(null, user[, info])` logs `user` in; `done(null, false, { message })` fails the login.
       */
      verify(
        token: Token,
        refreshToken: string | undefined,
        params: PeerTokenParams,
        profile: Profile,
        done: SalesforceVerifyCallback,
      ): void;
    }['verify'];

/** A peer package's verify callback with `passReqToCallback: true`: the request comes first. */
export type PeerVerifyFunctionWithRequest<Token, Profile> =
  | {
      /**
       * Decides who the user is, as the peer package's callback did.
       *
       * @param req The callback's request.
       * @param token The access token (passport-forcedotcom: the object whose `params` is the token response).
       * @param refreshToken Present when a refresh token was granted.
       * @param profile The peer package's profile; `undefined` when `skipUserProfile` skipped it.
       * @param done `done(null, user[, info])` logs `user` in; `done(null, false, { message })` fails the login.
       */
      verify(req: Request, token: Token, refreshToken: string | undefined, profile: Profile, done: SalesforceVerifyCallback): void;
    }['verify']
  | {
      /**
       * Decides who the user is, as the peer package's callback did.
       *
       * @param req The callback's request.
       * @param token The access token (passport-forcedotcom: the object whose `params` is the token response).
       * @param refreshToken Present when a refresh token was granted.
       * @param params The token response, without `refresh_token`.
       * @param profile The peer package's profile; `undefined` when `skipUserProfile` skipped it.
       * @param done `done(null, user[, info])` logs `user` in; `done(null, false, { message })` fails the login.
       */
      verify(
        req: Request,
        token: Token,
        refreshToken: string | undefined,
        params: PeerTokenParams,
        profile: Profile,
        done: SalesforceVerifyCallback,
      ): void;
    }['verify'];

/**
 * Options of passport-oauth2 that this strategy always applies in its own way, so a peer site's
 * value changes nothing: scopes are always sent space-separated, state and PKCE (S256) are always on.
 */
const ALWAYS_ON = new Set(['scopeSeparator', 'state', 'pkce']);

/** A peer package's options as this strategy's, and the names it ignores (the peer package ignored them too). */
export interface PeerOptions {
  options: Record<string, unknown>;
  /** The login base: `loginURL`, else the one `authorizationURL` or `tokenURL` is under, else production. */
  loginURL: string;
  /** Option names neither package knows; a peer package ignored them silently. */
  ignored: string[];
}

/** `https://host/path` when `url` is `https://host/path/services/oauth2/{authorize|token}`. */
function loginBaseOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  return /^(https?:\/\/[^?#]+?)\/services\/oauth2\/(?:authorize|token)\/?$/.exec(url)?.[1];
}

/**
 * Turns a peer package's constructor options into this strategy's: its name, `proxy` as
 * `trustProxy`, the login base from `authorizationURL`/`tokenURL` (so a sandbox or My Domain site
 * also gets its revoke and keys endpoints and id_token issuer), `own` (the peer class's own
 * options, read by it) left out, and what neither package knows set apart. Anything that is not
 * an object is handed on, for the strategy's own TypeError.
 */
export function peerOptions(input: unknown, name: string, own: readonly string[]): PeerOptions {
  if (typeof input !== 'object' || input === null)
    return { options: input as Record<string, unknown>, loginURL: DEFAULT_LOGIN_URL, ignored: [] };
  const options: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [option, value] of Object.entries(input)) {
    if (option === 'proxy') {
      if (value !== undefined) options.trustProxy = Boolean(value);
    } else if (OPTION_NAMES.includes(option) && option !== 'name') {
      options[option] = value;
    } else if (!ALWAYS_ON.has(option) && !own.includes(option)) {
      ignored.push(option);
    }
  }
  // trustProxy wins over passport-oauth2's proxy when both are set.
  if ('trustProxy' in input) options.trustProxy = (input as { trustProxy?: unknown }).trustProxy;
  const loginURL = options.loginURL ?? loginBaseOf(options.authorizationURL) ?? loginBaseOf(options.tokenURL);
  if (loginURL !== undefined) options.loginURL = loginURL;
  options.name = name;
  return { options, loginURL: typeof loginURL === 'string' ? loginURL : DEFAULT_LOGIN_URL, ignored };
}

/**
 * Warns about options a peer package ignored (they still change nothing, and the site may have
 * meant something by them); nothing when there are none.
 */
export function warnIgnoredOptions(peer: string, ignored: readonly string[]): void {
  if (ignored.length > 0) process.emitWarning(ignoredOptionsWarning(peer, ignored), { code: 'SALESFORCE_PKCE_IGNORED_OPTION' });
}

function ignoredOptionsWarning(peer: string, ignored: readonly string[]): string {
  const names = ignored.map((option) => `options.${option}`).join(', ');
  return `${peer}: ${names} ${ignored.length === 1 ? 'is not an option' : 'are not options'} of ${peer} or passport-salesforce-pkce and ${ignored.length === 1 ? 'is' : 'are'} ignored, as before; remove ${ignored.length === 1 ? 'it' : 'them'} (the options are listed in docs/migration.md)`;
}

/** The token response without what passport-oauth2 leaves out of `params`. */
function peerTokenParams(params: SalesforceTokenParams): PeerTokenParams {
  const { refresh_token: _refreshToken, id_token_claims: _claims, ...peer } = params;
  return peer;
}

type AnyPeerVerify = (...args: never[]) => unknown;

/** Profiles the entry points' own `userProfile` built, told apart from the one the strategy hands over when the profile was skipped. */
const peerProfiles = new WeakSet<object>();

/** Marks `profile` as built by an entry point's `userProfile`, so its verify callback gets it; returns it. */
export function markPeerProfile<Profile extends object>(profile: Profile): Profile {
  peerProfiles.add(profile);
  return profile;
}

/** The profile the entry point's own `userProfile` built, or `undefined` when it was skipped. */
function peerProfile(loaded: unknown): unknown {
  return typeof loaded === 'object' && loaded !== null && peerProfiles.has(loaded) ? loaded : undefined;
}

/**
 * A verify callback for this strategy (always given `params`) that calls the peer site's
 * callback as passport-oauth2 would: with `params` when it declares exactly five parameters (six
 * with the request), with `token(accessToken, params)` first, and with the profile the entry
 * point built, `undefined` when the profile was skipped. Its return value is handed back, so a
 * rejected async callback still ends the login.
 */
export function peerVerify(
  verify: unknown,
  passReqToCallback: boolean,
  token: (accessToken: string, params: PeerTokenParams) => unknown,
): unknown {
  if (typeof verify !== 'function') return verify;
  const callback = verify as AnyPeerVerify;
  const withParams = callback.length === (passReqToCallback ? 6 : 5);
  const call = (
    req: Request | undefined,
    accessToken: string,
    refreshToken: string | undefined,
    params: SalesforceTokenParams,
    loaded: unknown,
    done: SalesforceVerifyCallback,
  ): unknown => {
    const peerParams = peerTokenParams(params);
    const args = [token(accessToken, peerParams), refreshToken, ...(withParams ? [peerParams] : []), peerProfile(loaded), done];
    return (callback as (...values: unknown[]) => unknown)(...(passReqToCallback ? [req, ...args] : args));
  };
  // Declared parameters, so the strategy passes params (and the request when asked for).
  return passReqToCallback
    ? (
        req: Request,
        accessToken: string,
        refreshToken: string | undefined,
        params: SalesforceTokenParams,
        loaded: unknown,
        done: SalesforceVerifyCallback,
      ) => call(req, accessToken, refreshToken, params, loaded, done)
    : (
        accessToken: string,
        refreshToken: string | undefined,
        params: SalesforceTokenParams,
        loaded: unknown,
        done: SalesforceVerifyCallback,
      ) => call(undefined, accessToken, refreshToken, params, loaded, done);
}

import type { Request } from 'express';
import { InvalidOptionError } from './errors.js';

/**
 * The app's session at passport's login and logout, made to behave alike across passport 0.4 to
 * 0.7 and the session middlewares sites use:
 *
 * - cookie-session's sessions lack the `save` and `regenerate` that passport 0.6 and later call:
 *   they get them. `save` has nothing to do (cookie-session writes the cookie with the response);
 *   `regenerate` empties the session in place (a cookie has no id to change, and a fresh object
 *   left empty would not be written, so the old cookie would stay).
 * - passport 0.6 and later (and @fastify/passport) regenerate the session at login, which would
 *   drop the other tabs' pending logins: they are carried into the regenerated session, whichever
 *   calling form the middleware's `regenerate` has.
 * - passport 0.4 and 0.5 keep the session id at login, so an id planted before it (session
 *   fixation) would be logged in: after their login the session gets a new id, contents kept,
 *   as those versions keep them.
 */

/** Any request object; its `session` is read when a session middleware set one. */
export type SessionRequest = object;

type Callback = (err?: unknown) => void;

export interface SessionLike {
  [key: string]: unknown;
  save?: (callback: Callback) => void;
  regenerate?: (...args: unknown[]) => unknown;
}

interface LoginRequest {
  session?: unknown;
  sessionID?: unknown;
  logIn?: (...args: unknown[]) => unknown;
  login?: (...args: unknown[]) => unknown;
}

export function sessionOf(req: SessionRequest): SessionLike | undefined {
  const { session } = req as { session?: unknown };
  return typeof session === 'object' && session !== null ? (session as SessionLike) : undefined;
}

function defineMethod(session: SessionLike, name: 'save' | 'regenerate', method: (this: unknown, ...args: never[]) => unknown): void {
  // Not enumerable: kept out of what the session middleware serialises. Defined, not assigned:
  // @fastify/secure-session's session is a Proxy whose `set` would store the method as session data.
  Object.defineProperty(session, name, { value: method, configurable: true, writable: true, enumerable: false });
}

/** Gives a session without them (cookie-session's) the `save` and `regenerate` passport 0.6+ calls. */
export function ensureSessionMethods(session: SessionLike): void {
  if (typeof session.save !== 'function') {
    defineMethod(session, 'save', (callback: Callback) => process.nextTick(callback));
  }
  if (typeof session.regenerate !== 'function') {
    defineMethod(session, 'regenerate', (callback: Callback) => {
      for (const key of Object.keys(session)) Reflect.deleteProperty(session, key);
      process.nextTick(callback);
    });
  }
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

/**
 * When the session is regenerated during this request (passport 0.6+ or @fastify/passport at
 * login), the pending logins under `key` are put into the regenerated session once it is there.
 * Each calling form is kept as the caller used it:
 * - `regenerate(callback)`: express-session, @fastify/session, cookie-session (as given above);
 * - `await regenerate(keysToKeep?)`, a promise: @fastify/session;
 * - `regenerate(ignoredFields?)`, synchronous, the same object emptied: @fastify/secure-session.
 * The regenerated session is the request's `session` afterwards: a new object (express-session,
 * @fastify/session) or the same one.
 */
function keepPendingLogins(req: SessionRequest, session: SessionLike, key: string): void {
  const { regenerate } = session;
  if (typeof regenerate !== 'function') return;
  defineMethod(session, 'regenerate', function regenerateKeepingPendingLogins(this: unknown, ...args: unknown[]): unknown {
    const pending = session[key];
    const putBack = (): void => {
      if (pending !== undefined) (sessionOf(req) ?? session)[key] = pending;
    };
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      const regenerated: Callback = (err) => {
        if (!err) putBack();
        (callback as Callback)(err);
      };
      return regenerate.apply(this, [...args.slice(0, -1), regenerated]);
    }
    const result = regenerate.apply(this, args);
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then((value) => {
        putBack();
        return value;
      });
    }
    putBack();
    return result;
  });
}

/** Regenerates the request's session (express-session's callback form) and puts its contents (all but its cookie) back. */
function renew(req: LoginRequest, session: SessionLike, regenerate: (...args: unknown[]) => unknown, callback: Callback): void {
  const contents = Object.fromEntries(Object.entries(session).filter(([name]) => name !== 'cookie'));
  regenerate.call(session, (err?: unknown) => {
    if (!err) Object.assign(sessionOf(req) ?? session, contents);
    callback(err);
  });
}

/**
 * passport 0.4 and 0.5 do not change the session id at login. For this request, `req.logIn`
 * renews the session after passport's own login when the id is still the one it had before.
 * passport 0.6 and later change it themselves; a session without an id (cookie-session) has
 * none to plant; a `logIn` without a callback (@fastify/passport's, a promise) is left as it is.
 */
function renewIdAtLogin(req: LoginRequest): void {
  const logIn = req.logIn;
  if (typeof logIn !== 'function') return;
  const renewing = function logInWithNewSessionId(this: unknown, user: unknown, options?: unknown, done?: unknown): unknown {
    const callback = typeof options === 'function' ? options : done;
    const withoutSession = typeof options === 'object' && options !== null && (options as { session?: unknown }).session === false;
    if (typeof callback !== 'function' || withoutSession) return logIn.call(this, user, options, done);
    const idBefore = req.sessionID;
    const finish: Callback = (err) => {
      const session = sessionOf(req);
      const regenerate = session?.regenerate;
      if (err || typeof idBefore !== 'string' || req.sessionID !== idBefore || !session || typeof regenerate !== 'function') {
        (callback as Callback)(err);
        return;
      }
      renew(req, session, regenerate, callback as Callback);
    };
    return typeof options === 'function' ? logIn.call(this, user, finish) : logIn.call(this, user, options, finish);
  };
  req.logIn = req.login = renewing;
}

/**
 * Readies the request's session, when it has one, for the login passport does once the verify
 * callback has found the user: the methods passport calls, the other tabs' pending logins (under
 * `key`) kept across its `regenerate`, a new session id on every passport version.
 */
export function prepareLogin(req: SessionRequest, key: string): void {
  const session = sessionOf(req);
  if (!session) return;
  ensureSessionMethods(session);
  keepPendingLogins(req, session, key);
  renewIdAtLogin(req as LoginRequest);
}

/**
 * Logs the user out of the app (not out of Salesforce: revoke their tokens first with
 * `strategy.revoke`) on every passport version and session middleware. passport 0.6 and later
 * take a callback and regenerate the session; 0.4 and 0.5 log out at once and never call one, so
 * the README's `req.logout(callback)` would hang there. A cookie-session gets the `save` and
 * `regenerate` passport 0.6 calls. Resolves once the session no longer holds the user.
 *
 * @param options.keepSessionInfo passport 0.6+: keep the session's other contents. Default: `false`.
 */
export function logOut(req: Request, options: { keepSessionInfo?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const logout = (req as { logout?: unknown }).logout;
    if (typeof logout !== 'function') {
      reject(new InvalidOptionError('logOut(req): req.logout is missing: add passport.initialize() before this route'));
      return;
    }
    const session = sessionOf(req);
    if (session) ensureSessionMethods(session);
    // passport 0.4 and 0.5 declare `logout()` without parameters, 0.6 and later `logout(options, done)`.
    if (logout.length === 0) {
      logout.call(req);
      resolve();
      return;
    }
    logout.call(req, options, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

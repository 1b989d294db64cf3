import { SessionRequiredError } from './errors.js';
import { randomToken } from './random.js';
import { prepareLogin, sessionOf, type SessionLike, type SessionRequest } from './session.js';

/** A JSON value, as any express-session store can keep it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * One started login, as it is kept in the session under its state handle. Plain JSON, so every
 * session store (memory, Redis, SQL, cookie) keeps it and any app instance can finish the login.
 */
export interface PendingLogin {
  /** The PKCE code verifier. */
  verifier: string;
  /** When the login started, in ms since the epoch. */
  createdAt: number;
  /** The app's `state` option of `authenticate`, handed back as `info.state`. */
  state?: JsonValue;
  /** The OpenID Connect nonce, when `openid` was requested. */
  nonce?: string;
  /** The login base chosen for this request, when it is not the strategy's `loginURL`. */
  loginURL?: string;
}

/** What a login keeps besides its verifier and state. */
export type PendingLoginExtras = Pick<PendingLogin, 'nonce' | 'loginURL'>;

type PendingLogins = Record<string, PendingLogin>;

/** Why a callback's state was refused. Safe to show to the user. */
export const STATE_FAILURES = {
  missing: 'The callback has no state: start the login again.',
  unknown: 'This login is unknown, already used or started in another browser: start the login again.',
  expired: 'This login took too long: start the login again.',
} as const;

export interface PendingLoginStoreOptions {
  /** Session property the pending logins live under. */
  key: string;
  /** Seconds a pending login stays valid. */
  ttl: number;
  /** Pending logins kept per session; the oldest is dropped beyond it. */
  max: number;
}

const HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

function isPendingLogin(value: unknown): value is PendingLogin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PendingLogin).verifier === 'string' &&
    typeof (value as PendingLogin).createdAt === 'number'
  );
}

function definedFields(extras: PendingLoginExtras | undefined): PendingLoginExtras {
  return Object.fromEntries(Object.entries(extras ?? {}).filter((entry) => entry[1] !== undefined));
}

function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > 16) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  // A null prototype is still a plain JSON object: `querystring.parse` (Express 5's `req.query`) makes them.
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}

/**
 * The session-backed store of pending logins, with passport-oauth2's state store API
 * (`store(req, verifier, state, meta, cb)` / `verify(req, handle, meta, cb)`).
 *
 * Each login gets its own entry keyed by a random handle (the `state` sent to Salesforce), so
 * several tabs can log in at once. An entry is used once; a callback with an unknown handle
 * reads no other entry and removes none.
 */
export class PendingLoginStore {
  readonly #key: string;
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(options: PendingLoginStoreOptions) {
    this.#key = options.key;
    this.#ttlMs = options.ttl * 1000;
    this.#max = options.max;
  }

  /** Records a new pending login, saves the session, then calls back with its handle. */
  store(
    req: SessionRequest,
    verifier: string,
    state: unknown,
    extras: PendingLoginExtras | undefined,
    callback: (err: Error | null, handle?: string) => void,
  ): void {
    const session = sessionOf(req);
    if (!session) {
      callback(new SessionRequiredError());
      return;
    }
    if (state !== undefined && !isJsonValue(state)) {
      callback(new TypeError('authenticate option "state" must be JSON-serialisable (plain objects, arrays, strings, numbers, booleans, null)'));
      return;
    }
    const now = Date.now();
    const logins = this.#liveLogins(session, now);
    const handle = randomToken(16);
    logins[handle] = { verifier, createdAt: now, ...(state === undefined ? {} : { state }), ...definedFields(extras) };
    session[this.#key] = logins;
    if (typeof session.save !== 'function') {
      callback(null, handle);
      return;
    }
    session.save((err) => callback(err ? new Error('The session could not be saved before the redirect to Salesforce', { cause: err }) : null, handle));
  }

  /**
   * Takes the pending login named by `handle` out of the session. Calls back with its verifier,
   * `state` and the whole entry, or with `false` and a message when the handle is missing,
   * unknown or expired.
   */
  verify(
    req: SessionRequest,
    handle: unknown,
    _meta: unknown,
    callback: (err: Error | null, verifier: string | false, stateOrInfo?: JsonValue | { message: string }, login?: PendingLogin) => void,
  ): void {
    const session = sessionOf(req);
    if (!session) {
      callback(new SessionRequiredError(), false);
      return;
    }
    if (typeof handle !== 'string' || handle === '') {
      callback(null, false, { message: STATE_FAILURES.missing });
      return;
    }
    const logins = session[this.#key];
    const login = typeof logins === 'object' && logins !== null && HANDLE_PATTERN.test(handle) && Object.hasOwn(logins, handle)
      ? (logins as PendingLogins)[handle]
      : undefined;
    if (!isPendingLogin(login)) {
      callback(null, false, { message: STATE_FAILURES.unknown });
      return;
    }
    const { [handle]: _taken, ...remaining } = logins as PendingLogins;
    if (Object.keys(remaining).length > 0) session[this.#key] = remaining;
    else Reflect.deleteProperty(session, this.#key);
    if (Date.now() - login.createdAt > this.#ttlMs) {
      callback(null, false, { message: STATE_FAILURES.expired });
      return;
    }
    prepareLogin(req, session, this.#key);
    callback(null, login.verifier, login.state, login);
  }

  /** The session's pending logins without expired ones, and with room for one more. */
  #liveLogins(session: SessionLike, now: number): PendingLogins {
    const stored = session[this.#key];
    const live = Object.entries(typeof stored === 'object' && stored !== null ? stored : {})
      .filter((entry): entry is [string, PendingLogin] => isPendingLogin(entry[1]) && now - entry[1].createdAt <= this.#ttlMs)
      .sort((a, b) => a[1].createdAt - b[1].createdAt);
    const room = this.#max - 1;
    return Object.fromEntries(room > 0 ? live.slice(-room) : []);
  }
}

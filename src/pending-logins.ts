import type { Request } from 'express';
import { InvalidOptionError, SalesforceError } from './errors.js';
import { randomToken } from './random.js';
import { sessionOf, type SessionLike, type SessionRequest } from './session.js';

/**
 * Pending logins between the redirect to Salesforce and the callback: what one holds, and the
 * session-backed store of them (passport-oauth2's state store interface).
 */

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

/**
 * The pending login without its verifier: what the strategy hands a state store as `state`
 * and needs back unchanged at the callback. Plain JSON; treat it as opaque.
 */
export type PendingLoginRecord = Omit<PendingLogin, 'verifier'>;

/** passport-oauth2's `meta` for a state store: where this login goes. */
export interface StateStoreMeta {
  /** The authorization endpoint of this login's base. */
  authorizationURL: string;
  /** The token endpoint of this login's base. */
  tokenURL: string;
  /** The Connected App's consumer key. */
  clientID: string;
  /** The absolute `redirect_uri` of this request. */
  callbackURL: string;
}

/** Called by `store()` with the handle to send to Salesforce as `state`. */
export type StateStoreStoreCallback = (err: Error | null, handle?: string) => void;

/**
 * Called by `verify()`: with the verifier and the `state` record that `store()` was given, or with
 * `false` and `{ message }` when the handle names no pending login (the login then fails with
 * that message and status 403).
 */
export type StateStoreVerifyCallback = (
  err: Error | null,
  verifier?: string | false,
  state?: PendingLoginRecord | { message?: string },
) => void;

/**
 * Where pending logins live between the redirect to Salesforce and the callback: passport-oauth2's
 * PKCE state store interface, so a store written for passport-oauth2 fits.
 *
 * `store` keeps the verifier and `state` (a {@link PendingLoginRecord}) and calls back with a
 * handle: an unguessable string that names them. `verify` is given that handle at the callback,
 * hands back the verifier and `state` exactly as they were stored, and forgets them, so each
 * pending login is used once. The strategy itself refuses a record older than `pendingLoginTtl`,
 * whatever the store. `verify` may also take passport-oauth2's `meta` as its third argument.
 */
export interface PendingLoginStateStore {
  /** Keeps a starting login's verifier and `state`, then calls back with their handle. */
  store(req: Request, verifier: string, state: PendingLoginRecord, meta: StateStoreMeta, callback: StateStoreStoreCallback): void;
  /** Hands back, once, the verifier and `state` that `handle` names. */
  verify:
    | ((req: Request, handle: string, callback: StateStoreVerifyCallback) => void)
    | ((req: Request, handle: string, meta: StateStoreMeta, callback: StateStoreVerifyCallback) => void);
}

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

/** The request has no session: the pending login (verifier and state) has nowhere to live. */
function sessionRequired(): SalesforceError {
  return new SalesforceError(
    'SESSION_REQUIRED',
    'SalesforcePkceStrategy needs a session to keep the PKCE verifier: add express-session ' +
      '(app.use(session({ secret, resave: false, saveUninitialized: false }))) before passport.initialize()',
  );
}

const HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A pending login's handle (the `state` sent to Salesforce): 16 bytes from the CSPRNG, base64url. */
export function newHandle(): string {
  return randomToken(16);
}

/** Whether `value` has the shape of a handle `newHandle` makes, checked before it is looked up. */
export function isHandle(value: string): boolean {
  return HANDLE_PATTERN.test(value);
}

function isPendingLogin(value: unknown): value is PendingLogin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PendingLogin).verifier === 'string' &&
    typeof (value as PendingLogin).createdAt === 'number'
  );
}

/** The record of `createdAt`, with `state`, `nonce` and `loginURL` only when they are defined. */
function pendingRecord(createdAt: number, state: JsonValue | undefined, { nonce, loginURL }: PendingLoginExtras): PendingLoginRecord {
  const record: PendingLoginRecord = { createdAt };
  if (state !== undefined) record.state = state;
  if (nonce !== undefined) record.nonce = nonce;
  if (loginURL !== undefined) record.loginURL = loginURL;
  return record;
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
 * The record of a login starting now. Throws an {@link InvalidOptionError} (a `TypeError`) when
 * the app's `state` is not JSON, which no store could keep faithfully.
 */
export function newPendingLogin(state: unknown, extras: PendingLoginExtras, now: number): PendingLoginRecord {
  if (state !== undefined && !isJsonValue(state)) {
    throw new InvalidOptionError(
      'authenticate option "state" must be JSON-serialisable (plain objects, arrays, strings, numbers, booleans, null)',
    );
  }
  return pendingRecord(now, state, extras);
}

/**
 * What a store handed back at the callback, checked: the pending login, `'expired'` when it is
 * older than `ttlMs`, or `undefined` when it is not what `store()` was given.
 */
export function takenPendingLogin(verifier: unknown, record: unknown, now: number, ttlMs: number): PendingLogin | 'expired' | undefined {
  if (typeof verifier !== 'string' || verifier === '' || typeof record !== 'object' || record === null) return undefined;
  const { createdAt, state, nonce, loginURL } = record as Partial<PendingLoginRecord>;
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) return undefined;
  if ((nonce !== undefined && typeof nonce !== 'string') || (loginURL !== undefined && typeof loginURL !== 'string')) return undefined;
  if (now - createdAt > ttlMs) return 'expired';
  return { verifier, ...pendingRecord(createdAt, state, { nonce, loginURL }) };
}

/**
 * The session-backed store of pending logins, with passport-oauth2's PKCE state store API
 * (`store(req, verifier, state, meta, cb)` / `verify(req, handle, cb)`).
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
  store(req: SessionRequest, verifier: string, record: PendingLoginRecord, _meta: unknown, callback: StateStoreStoreCallback): void {
    const session = sessionOf(req);
    if (!session) {
      callback(sessionRequired());
      return;
    }
    const logins = this.#liveLogins(session, Date.now());
    const handle = newHandle();
    logins[handle] = { ...record, verifier };
    session[this.#key] = logins;
    if (typeof session.save !== 'function') {
      callback(null, handle);
      return;
    }
    session.save((err) =>
      callback(
        err
          ? new SalesforceError('SESSION_SAVE_FAILED', 'The session could not be saved before the redirect to Salesforce', { cause: err })
          : null,
        handle,
      ),
    );
  }

  /**
   * Takes the pending login named by `handle` out of the session. Calls back with its verifier
   * and the rest of the entry, or with `false` and a message when the handle is missing or unknown.
   */
  verify(req: SessionRequest, handle: unknown, callback: StateStoreVerifyCallback): void {
    const session = sessionOf(req);
    if (!session) {
      callback(sessionRequired(), false);
      return;
    }
    if (typeof handle !== 'string' || handle === '') {
      callback(null, false, { message: STATE_FAILURES.missing });
      return;
    }
    const logins = session[this.#key];
    const login =
      typeof logins === 'object' && logins !== null && isHandle(handle) && Object.hasOwn(logins, handle)
        ? (logins as PendingLogins)[handle]
        : undefined;
    if (!isPendingLogin(login)) {
      callback(null, false, { message: STATE_FAILURES.unknown });
      return;
    }
    // Written back, never deleted: a session that notices changes through assignment only
    // (@fastify/secure-session's Proxy has no delete trap) would keep the used login. `undefined`
    // leaves no key in what any session middleware serialises.
    const { [handle]: _taken, ...remaining } = logins as PendingLogins;
    session[this.#key] = Object.keys(remaining).length > 0 ? remaining : undefined;
    const { verifier, ...record } = login;
    callback(null, verifier, record);
  }

  /** The session's pending logins without expired ones, and with room for one more. */
  #liveLogins(session: SessionLike, now: number): PendingLogins {
    const stored = session[this.#key];
    // A first login in this session: nothing to sort out.
    if (typeof stored !== 'object' || stored === null) return {};
    const live = Object.entries(stored)
      .filter((entry): entry is [string, PendingLogin] => isPendingLogin(entry[1]) && now - entry[1].createdAt <= this.#ttlMs)
      .sort((a, b) => a[1].createdAt - b[1].createdAt);
    const room = this.#max - 1;
    return Object.fromEntries(room > 0 ? live.slice(-room) : []);
  }
}

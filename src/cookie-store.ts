import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Request } from 'express';
import { InvalidOptionError, SalesforceError } from './errors.js';
import {
  isHandle,
  newHandle,
  STATE_FAILURES,
  type PendingLoginRecord,
  type PendingLoginStateStore,
  type StateStoreStoreCallback,
  type StateStoreVerifyCallback,
} from './pending-logins.js';

/**
 * A state store that keeps pending logins in an encrypted cookie instead of the session, for apps
 * without sessions: passport-oauth2's state store interface, AES-256-GCM with a key from the app.
 */

/** Options of {@link CookiePendingLoginStore}. */
export interface CookiePendingLoginStoreOptions {
  /**
   * The key material: a string of at least 32 characters or at least 32 random bytes, from the
   * app's secrets (never from source code). An array rotates keys: the first seals new cookies,
   * every one opens them. Required.
   */
  secret: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** Cookie name prefix; each pending login's cookie is `{name}.{handle}`. Default: `'salesforce-pkce'`. */
  name?: string;
  /** Seconds a pending login's cookie lives; keep it at least the strategy's `pendingLoginTtl`. Default: `600`. */
  maxAge?: number;
  /**
   * Pending-login cookies kept per browser (several tabs); the oldest is cleared beyond it, and
   * beyond 8 KiB of them together. Default: `10`.
   */
  max?: number;
  /**
   * The `Secure` attribute: `'auto'` sets it when the request came over https (Express's
   * `req.secure`), and then names the cookie `__Host-{name}.{handle}` so no sibling subdomain can
   * set it. Default: `'auto'`.
   */
  secure?: boolean | 'auto';
}

/** Browsers keep cookies of up to 4096 bytes, name and attributes included. */
const MAX_COOKIE_BYTES = 4000;
/**
 * What this store's live cookies may take of the `Cookie` header together, the newest one
 * included: half of Node's default 16 KiB limit on a request's headers
 * (https://nodejs.org/api/cli.html#--max-http-header-sizesize), leaving the rest to the site's own
 * cookies and headers. Beyond it the oldest pending logins are cleared: otherwise a few large
 * `state`s would push every request of that browser past the limit, and Node would answer
 * 431 before the store could clean up.
 */
const MAX_TOTAL_BYTES = 8192;
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_INFO = 'passport-salesforce-pkce pending login cookie v1';

/** What a cookie seals: the verifier, the strategy's record, and when the cookie was made. */
interface Sealed {
  verifier: string;
  state: PendingLoginRecord;
  sealedAt: number;
}

function fail(option: string, problem: string): never {
  throw new InvalidOptionError(`CookiePendingLoginStore: options.${option} ${problem}`);
}

function deriveKey(secret: unknown): Buffer {
  const material =
    typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret instanceof Uint8Array ? Buffer.from(secret) : undefined;
  if (!material || material.length < 32)
    fail('secret', 'must be a string of at least 32 characters or at least 32 bytes (e.g. crypto.randomBytes(32))');
  // HKDF turns a passphrase-like string into a uniform AES-256 key, bound to this one use.
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), KEY_INFO, 32));
}

function seal(key: Buffer, name: string, sealed: Sealed): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  // The cookie's name (which carries the handle) is authenticated, so a value cannot be moved to another handle.
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(sealed), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

function open(keys: readonly Buffer[], name: string, value: string): Sealed | undefined {
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  const iv = bytes.subarray(0, IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
  for (const key of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(tag);
      const sealed = JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')) as Sealed;
      return typeof sealed.verifier === 'string' && typeof sealed.sealedAt === 'number' ? sealed : undefined;
    } catch {
      // Another key, or a forged or damaged value: try the next key.
    }
  }
  return undefined;
}

/** The request's cookies whose names start with `prefix`, first value of each name only. */
function cookiesNamed(req: Request, prefix: string): Map<string, string> {
  const found = new Map<string, string>();
  const header = req.headers.cookie;
  if (typeof header !== 'string') return found;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    const name = pair.slice(0, at).trim();
    if (name.startsWith(prefix) && !found.has(name)) found.set(name, pair.slice(at + 1).trim());
  }
  return found;
}

/** What a cookie adds to the `Cookie` header: `name=value` and the `; ` separating it. */
function cookieHeaderBytes(name: string, value: string): number {
  return Buffer.byteLength(name) + 1 + Buffer.byteLength(value) + 2;
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...list, cookie]);
}

/**
 * A state store for apps without sessions (`session: false`, JSON APIs): each pending login is
 * its own short-lived cookie, sealed with AES-256-GCM under a key derived from the app's secret,
 * `HttpOnly` and `SameSite=Lax` (sent on Salesforce's redirect back, not on cross-site
 * subrequests), `Secure` and `__Host-` prefixed over https. The cookie holds the PKCE verifier,
 * the OpenID nonce, the chosen login base, the app's `state` and the start time; nobody without the
 * key can read or alter it, and the cookie's name binds it to its handle.
 *
 * One-time use is the browser's, not the server's: the callback that uses the cookie clears it,
 * so the browser does not send it again, but the server keeps no record of it. A copy taken
 * before then (from the browser's cookie jar or a log of request headers) can finish one more
 * login until it expires: with the login's authorization URL, which carries its
 * `code_challenge`, Salesforce issues another code for the same verifier. Whoever holds such a
 * copy already holds that browser's login in progress; use the session-backed store when a
 * pending login must be usable exactly once whatever is copied. The strategy refuses a pending
 * login older than its `pendingLoginTtl` whatever the cookie says.
 *
 * Size: one cookie holds at most 4,000 bytes (a large `state` is refused with a `SalesforceError`
 * with code `STATE_STORE_FAILED`), and the store's live cookies together take at most 8 KiB of the
 * browser's `Cookie` header, beside `max`: the oldest pending logins are cleared first. The site's own
 * cookies keep the other half of Node's 16 KiB header limit.
 *
 * Needs Express (it sets cookies through `req.res`).
 *
 * @example
 * new SalesforcePkceStrategy({
 *   clientID: process.env.SF_CLIENT_ID!,
 *   callbackURL: '/auth/salesforce/callback',
 *   store: new CookiePendingLoginStore({ secret: process.env.LOGIN_COOKIE_SECRET! }),
 * }, verify);
 */
export class CookiePendingLoginStore implements PendingLoginStateStore {
  readonly #keys: readonly Buffer[];
  readonly #name: string;
  readonly #maxAge: number;
  readonly #max: number;
  readonly #secure: boolean | 'auto';

  constructor(options: CookiePendingLoginStoreOptions) {
    if (typeof options !== 'object' || options === null) fail('secret', 'is required');
    const secrets = Array.isArray(options.secret) ? (options.secret as unknown[]) : [options.secret];
    if (secrets.length === 0) fail('secret', 'must name at least one key');
    this.#keys = secrets.map(deriveKey);
    this.#name = options.name ?? 'salesforce-pkce';
    if (typeof this.#name !== 'string' || !NAME_PATTERN.test(this.#name)) fail('name', 'must be 1 to 64 letters, digits, "-" or "_"');
    this.#maxAge = options.maxAge ?? 600;
    if (typeof this.#maxAge !== 'number' || !Number.isInteger(this.#maxAge) || this.#maxAge <= 0)
      fail('maxAge', 'must be a positive integer (seconds)');
    this.#max = options.max ?? 10;
    if (typeof this.#max !== 'number' || !Number.isInteger(this.#max) || this.#max <= 0) fail('max', 'must be a positive integer');
    this.#secure = options.secure ?? 'auto';
    if (this.#secure !== 'auto' && typeof this.#secure !== 'boolean') fail('secure', 'must be true, false or "auto"');
  }

  /** Sets the pending login's cookie on the response and calls back with its handle. */
  store(req: Request, verifier: string, state: PendingLoginRecord, _meta: unknown, callback: StateStoreStoreCallback): void {
    const res = req.res;
    if (!res) {
      callback(
        new SalesforceError('STATE_STORE_FAILED', 'CookiePendingLoginStore needs Express: the request has no req.res to set its cookie on'),
      );
      return;
    }
    const prefix = this.#prefix(req);
    const now = Date.now();
    const handle = newHandle();
    const name = `${prefix}${handle}`;
    const value = seal(this.#keys[0] as Buffer, name, { verifier, state, sealedAt: now });
    const cookie = `${name}=${value}; ${this.#attributes(req, this.#maxAge)}`;
    if (Buffer.byteLength(cookie) > MAX_COOKIE_BYTES) {
      callback(
        new SalesforceError(
          'STATE_STORE_FAILED',
          `The pending login does not fit in a cookie (${Buffer.byteLength(cookie)} bytes): keep authenticate's "state" small`,
        ),
      );
      return;
    }
    for (const stale of this.#staleCookies(req, prefix, now, cookieHeaderBytes(name, value)))
      appendSetCookie(res, this.#clearing(req, stale));
    appendSetCookie(res, cookie);
    callback(null, handle);
  }

  /** Reads and clears the cookie of the pending login named by `handle`. */
  verify(req: Request, handle: string, callback: StateStoreVerifyCallback): void {
    const name = `${this.#prefix(req)}${handle}`;
    const value = isHandle(handle) ? cookiesNamed(req, name).get(name) : undefined;
    if (value === undefined) {
      callback(null, false, { message: STATE_FAILURES.unknown });
      return;
    }
    if (req.res) appendSetCookie(req.res, this.#clearing(req, name));
    const sealed = open(this.#keys, name, value);
    if (!sealed) callback(null, false, { message: STATE_FAILURES.unknown });
    else if (Date.now() - sealed.sealedAt > this.#maxAge * 1000) callback(null, false, { message: STATE_FAILURES.expired });
    else callback(null, sealed.verifier, sealed.state);
  }

  #isSecure(req: Request): boolean {
    if (this.#secure !== 'auto') return this.#secure;
    return req.secure === true || (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  }

  #prefix(req: Request): string {
    return `${this.#isSecure(req) ? '__Host-' : ''}${this.#name}.`;
  }

  #attributes(req: Request, maxAge: number): string {
    return `Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${this.#isSecure(req) ? '; Secure' : ''}`;
  }

  #clearing(req: Request, name: string): string {
    return `${name}=; ${this.#attributes(req, 0)}`;
  }

  /**
   * This store's cookies to clear before a new one of `newBytes`: unreadable, expired, and the
   * oldest beyond `max - 1` or beyond what fits with the new one in `MAX_TOTAL_BYTES`.
   */
  #staleCookies(req: Request, prefix: string, now: number, newBytes: number): string[] {
    const stale: string[] = [];
    const live: Array<{ name: string; sealedAt: number; bytes: number }> = [];
    for (const [name, value] of cookiesNamed(req, prefix)) {
      if (!isHandle(name.slice(prefix.length))) continue;
      const sealed = open(this.#keys, name, value);
      if (sealed && now - sealed.sealedAt <= this.#maxAge * 1000)
        live.push({ name, sealedAt: sealed.sealedAt, bytes: cookieHeaderBytes(name, value) });
      else stale.push(name);
    }
    // Newest first: keep while both the count and the byte budget allow; the older rest is cleared.
    live.sort((a, b) => b.sealedAt - a.sealedAt);
    let kept = 0;
    let bytes = newBytes;
    while (kept < live.length && kept < this.#max - 1 && bytes + (live[kept]?.bytes ?? 0) <= MAX_TOTAL_BYTES) {
      bytes += live[kept]?.bytes ?? 0;
      kept += 1;
    }
    return [...stale, ...live.slice(kept).map((cookie) => cookie.name)];
  }
}

import type { Request } from 'express';
import { InvalidOptionError, MissingHostHeaderError } from './errors.js';
import { normaliseScope } from './options.js';
import type { JsonValue } from './pending-logins.js';

/**
 * Reading the incoming request: per-request options into Salesforce's authorization
 * parameters, the callback's query, and the absolute redirect URI. Pure functions of their
 * arguments.
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

/** The callback's query parameters: a value is `undefined` when absent and `null` when repeated. */
export function callbackParams(req: Request): (name: string) => string | null | undefined {
  const target = req.originalUrl ?? req.url ?? '/';
  // Starting a login: no query string, nothing to parse.
  if (!target.includes('?')) return () => undefined;
  let search: URLSearchParams;
  try {
    search = new URL(target, 'http://callback.invalid').searchParams;
  } catch {
    search = new URLSearchParams();
  }
  return (name) => {
    const values = search.getAll(name);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : null;
  };
}

/**
 * Salesforce's error words from the callback query, made safe to log and show: control and
 * bidirectional-override characters removed, length bounded. Repeated parameters read as empty.
 */
export function callbackText(value: string | null | undefined, maxLength: number): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, '').slice(0, maxLength);
}

export function hasOpenIdScope(scope: string | undefined): boolean {
  return scope?.split(' ').includes('openid') ?? false;
}

function firstHeaderValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(',')[0]?.trim() || undefined;
}

/**
 * Whether the request came through a proxy the app trusts: the strategy's `trustProxy` when set,
 * else Express's own `trust proxy` decision for the nearest hop (the same test Express applies
 * for `req.protocol`), else the host framework's decision as its `req.protocol` shows it:
 * Fastify (`trustProxy`) and Koa (`app.proxy = true`, through koa-passport) read
 * `X-Forwarded-Proto` into `req.protocol` only for a proxy they trust.
 */
function trustsProxy(req: Request, trustProxySetting: boolean | undefined): boolean {
  if (trustProxySetting !== undefined) return trustProxySetting;
  const trust: unknown = req.app?.get?.('trust proxy fn');
  if (typeof trust === 'function') {
    return (trust as (address: string | undefined, hop: number) => unknown)(req.socket?.remoteAddress, 0) === true;
  }
  const forwardedProto = firstHeaderValue(req.headers['x-forwarded-proto'])?.toLowerCase();
  const socketProto = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http';
  return forwardedProto !== undefined && forwardedProto !== socketProto && (req as { protocol?: unknown }).protocol === forwardedProto;
}

/**
 * A path `callbackURL` is resolved from the site's root, as passport-oauth2 and Express's
 * `res.redirect` resolve paths. Run by a route of a router mounted under a path
 * (`app.use('/portal', router)`), such a path outside the mount point is almost always the
 * router's own callback route without its prefix, which Salesforce would then send nowhere:
 * refused, with the path to write. (A login started by middleware mounted with `app.use(path, …)`
 * has a `baseUrl` too, but no route: not checked.)
 */
function checkMountPoint(callbackURL: string, req: Request): void {
  const mount = typeof req.baseUrl === 'string' ? req.baseUrl : '';
  if (mount === '' || req.route === undefined || callbackURL === mount || callbackURL.startsWith(`${mount}/`)) return;
  throw new InvalidOptionError(
    `SalesforcePkceStrategy: options.callbackURL "${callbackURL}" is a path from the site's root, but this login runs in a router mounted at "${mount}": ` +
      `write callbackURL: "${mount}${callbackURL}" when the callback route is in that router too, or an absolute URL`,
  );
}

/**
 * The trap of `trustProxy: true` alone: the strategy then builds an https callback URL from
 * `X-Forwarded-Proto`, but the session middleware asks Express whether the request is secure,
 * and without Express's `trust proxy` it is not, so a secure session cookie is never sent and the
 * callback finds no pending login. Returns what to tell the developer, or `undefined`.
 * (express-session's own `proxy: true` avoids the trap too; that option cannot be seen from here.)
 */
export function untrustedProxyProblem(req: Request, trustProxySetting: boolean | undefined): string | undefined {
  if (trustProxySetting !== true || req.secure === true) return undefined;
  if (firstHeaderValue(req.headers['x-forwarded-proto'])?.toLowerCase() !== 'https') return undefined;
  const session = (req as { session?: { cookie?: { secure?: unknown } } }).session;
  const cookieSessionOptions = (req as { sessionOptions?: { secure?: unknown } }).sessionOptions;
  if (session?.cookie?.secure !== true && cookieSessionOptions?.secure !== true) return undefined;
  return (
    'SalesforcePkceStrategy: trustProxy is true and the request came through a proxy over https, but Express does not trust that proxy, ' +
    'so the session middleware will not send its secure cookie and the login will fail ("This login is unknown…"): ' +
    "set app.set('trust proxy', …) for the proxy (express-session's proxy: true also does)"
  );
}

/**
 * The absolute `redirect_uri`: `callbackURL` as is, or a path resolved against the request's
 * origin, read from `X-Forwarded-Proto`/`-Host` only behind a trusted proxy.
 */
export function redirectURI(callbackURL: string, req: Request, trustProxySetting: boolean | undefined): string {
  if (!callbackURL.startsWith('/')) return callbackURL;
  checkMountPoint(callbackURL, req);
  const trusted = trustsProxy(req, trustProxySetting);
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const forwardedProto = trusted ? firstHeaderValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const protocol = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : encrypted ? 'https' : 'http';
  const host = (trusted && firstHeaderValue(req.headers['x-forwarded-host'])) || req.headers.host;
  if (!host) throw new MissingHostHeaderError();
  return new URL(callbackURL, `${protocol}://${host}`).href;
}

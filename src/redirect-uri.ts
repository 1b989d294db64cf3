import type { Request } from 'express';
import { InvalidOptionError, SalesforceError } from './errors.js';

/**
 * The absolute `redirect_uri` of a request: `callbackURL` resolved against the request's origin,
 * read from forwarding headers only behind a proxy the app trusts, and checked against the
 * path the router is mounted at. Functions of the request alone (resolved URLs are cached).
 */

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
 * Redirect URIs already resolved, by origin and path: a login start and its callback each need
 * one, and parsing it was a tenth of a login start's own work. The Host header is the client's
 * to choose, so the cache is bounded, and emptied when full.
 */
const resolved = new Map<string, string>();
const MAX_RESOLVED = 64;

function resolveCallbackURL(callbackURL: string, origin: string): string {
  // Length-prefixed: no other pair of path and origin spells the same key.
  const key = `${callbackURL.length}:${callbackURL}${origin}`;
  let href = resolved.get(key);
  if (href === undefined) {
    href = new URL(callbackURL, origin).href;
    if (resolved.size >= MAX_RESOLVED) resolved.clear();
    resolved.set(key, href);
  }
  return href;
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
  if (!host) throw new SalesforceError('HOST_HEADER_MISSING', 'The callback URL cannot be resolved: the request has no Host header');
  return resolveCallbackURL(callbackURL, `${protocol}://${host}`);
}

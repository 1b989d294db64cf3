/**
 * Why the session cookie cannot have come back on Salesforce's redirect, read from what the
 * session middleware exposes on the request (pure: the request in, a message out).
 *
 * Salesforce sends the user back to the callback with a cross-site top-level navigation, on which
 * browsers never send a `SameSite=Strict` cookie (RFC 6265bis §5.6.7.1,
 * https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-5.6.7.1): the
 * session that holds the pending login does not arrive, and every login fails.
 */
import type { Request } from 'express';

/** `sameSite` as express-session (`req.session.cookie`) and cookie-session (`req.sessionOptions`) keep it. */
function isStrict(sameSite: unknown): boolean {
  return sameSite === true || (typeof sameSite === 'string' && sameSite.toLowerCase() === 'strict');
}

/**
 * The warning for a callback whose pending login is missing because the session cookie is
 * `SameSite=Strict`, or `undefined` when that is not the cause: the cookie is not strict, the
 * session does hold pending logins (the handle was used already), or the browser says the
 * navigation came from this site (`Sec-Fetch-Site`).
 */
export function strictSessionCookieProblem(req: Request, sessionKey: string): string | undefined {
  const { session, sessionOptions } = req as { session?: unknown; sessionOptions?: { sameSite?: unknown } };
  const cookie = typeof session === 'object' && session !== null ? (session as { cookie?: { sameSite?: unknown } }).cookie : undefined;
  if (!isStrict(cookie?.sameSite) && !isStrict(sessionOptions?.sameSite)) return undefined;
  if (typeof session === 'object' && session !== null && sessionKey in session) return undefined;
  const site = req.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'same-site') return undefined;
  return (
    "SalesforcePkceStrategy: the session cookie is set with sameSite: 'strict', which browsers do not send when Salesforce " +
    'redirects back to your callback, so the login came back without its session and failed ("This login is unknown…"): ' +
    "set the session cookie's sameSite to 'lax'"
  );
}

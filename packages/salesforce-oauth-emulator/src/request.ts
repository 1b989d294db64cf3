/**
 * Turning raw HTTP input into the values handlers work with. Pure.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorEndpoint } from './types.js';

/** A request after routing and parsing, as the handlers see it. */
export interface EmulatorRequest {
  method: string;
  /** Raw path without the query string, site prefix included. */
  path: string;
  /** What precedes the endpoint path: `''`, or e.g. `'/mysite'` for an Experience Cloud site. */
  sitePrefix: string;
  query: ReadonlyMap<string, string>;
  /** Form body parameters; empty unless the body is `application/x-www-form-urlencoded`. */
  body: ReadonlyMap<string, string>;
  headers: IncomingHttpHeaders;
  /** The ids in an identity URL path (`/id/{orgId}/{userId}`). */
  identityIds?: { orgId: string; userId: string };
}

export interface Route {
  endpoint: EmulatorEndpoint | 'other';
  sitePrefix: string;
  identityIds?: { orgId: string; userId: string };
}

const OAUTH_ENDPOINTS: readonly (readonly [string, EmulatorEndpoint])[] = [
  ['/services/oauth2/authorize', 'authorize'],
  ['/services/oauth2/token', 'token'],
  ['/services/oauth2/revoke', 'revoke'],
  ['/services/oauth2/userinfo', 'userinfo'],
  // Matched before the identity pattern, so `/id/keys` is never read as an identity URL.
  ['/id/keys', 'keys'],
  ['/.well-known/openid-configuration', 'discovery'],
  // The pages of `interactive` mode.
  ['/setup/secur/RemoteAccessAuthorizationPage.apexp', 'approval'],
  ['/setup/secur/RemoteAccessErrorPage.apexp', 'error'],
  ['/secur/logout.jsp', 'login'],
];

/** The REST API, profile photos and the front door on the instance, after any site prefix. */
const REST_PATH = /^(.*?)(?:\/services\/data(?:\/.*)?|\/profilephoto\/.*|\/services\/oauth2\/singleaccess|\/secur\/frontdoor\.jsp)$/;

/** `/id/{orgId}/{userId}`; the ids are checked against the token by the handler (404 `Bad_Id`). */
const IDENTITY_PATH = /^(.*)\/id\/([^/]+)\/([^/]+)\/?$/;

/**
 * Which endpoint a path names, whatever precedes it: Salesforce serves the same endpoints under
 * `login.salesforce.com`, a My Domain, and an Experience Cloud site path such as `/mysite`.
 */
export function routePath(path: string): Route {
  // First, so that nothing under /services/data (a record id, say) is read as another endpoint.
  const rest = REST_PATH.exec(path);
  if (rest !== null) return { endpoint: 'rest', sitePrefix: rest[1] ?? '' };
  for (const [suffix, endpoint] of OAUTH_ENDPOINTS) {
    if (path.endsWith(suffix)) return { endpoint, sitePrefix: path.slice(0, -suffix.length) };
  }
  const identity = IDENTITY_PATH.exec(path);
  if (identity !== null) {
    return {
      endpoint: 'identity',
      sitePrefix: identity[1] ?? '',
      identityIds: { orgId: identity[2] ?? '', userId: identity[3] ?? '' },
    };
  }
  // The login page is the root of the host or site, as Salesforce's (salesforce-behaviour.md §2.4).
  if (path.endsWith('/')) return { endpoint: 'login', sitePrefix: path.slice(0, -1) };
  return { endpoint: 'other', sitePrefix: '' };
}

/**
 * Parses `application/x-www-form-urlencoded` text (a query string or a form body). Unlike
 * URLSearchParams, which silently keeps `%zz` as is, malformed percent-encoding (including
 * invalid UTF-8) gives `undefined`, so the server can answer 400 instead of guessing.
 * A repeated name keeps its last value.
 */
export function parseForm(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equalsAt = pair.indexOf('=');
    const rawName = equalsAt === -1 ? pair : pair.slice(0, equalsAt);
    const rawValue = equalsAt === -1 ? '' : pair.slice(equalsAt + 1);
    try {
      params.set(decodeURIComponent(rawName.replace(/\+/g, ' ')), decodeURIComponent(rawValue.replace(/\+/g, ' ')));
    } catch {
      return undefined;
    }
  }
  return params;
}

/** Whether every `%` escape in a path decodes. */
export function isWellFormedPath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits a request target into path and query. Handles origin-form (`/a?b`) and absolute-form
 * (`http://host/a?b`), without letting a path like `//evil/x` be read as a host.
 */
export function splitRequestTarget(target: string): { path: string; query: string } | undefined {
  let rest = target;
  if (!rest.startsWith('/')) {
    if (!/^https?:\/\//i.test(rest)) return undefined;
    try {
      const url = new URL(rest);
      rest = url.pathname + url.search;
    } catch {
      return undefined;
    }
  }
  const hashAt = rest.indexOf('#');
  if (hashAt !== -1) rest = rest.slice(0, hashAt);
  const queryAt = rest.indexOf('?');
  return queryAt === -1 ? { path: rest, query: '' } : { path: rest.slice(0, queryAt), query: rest.slice(queryAt + 1) };
}

export function isFormContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** Client credentials from an HTTP Basic `Authorization` header, or `undefined` if there is none. */
export function parseBasicCredentials(authorization: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colonAt = decoded.indexOf(':');
  if (colonAt === -1) return undefined;
  return { clientId: decoded.slice(0, colonAt), clientSecret: decoded.slice(colonAt + 1) };
}

/** A token from `Authorization: Bearer …` (or Salesforce's older `OAuth …` scheme). */
export function parseBearerToken(authorization: string | undefined): string | undefined {
  const match = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Query and body parameters as plain records, for the request log. */
export function toRecord(params: ReadonlyMap<string, string>): Record<string, string> {
  // fromEntries defines own properties, so a hostile `__proto__=` parameter stays a plain key.
  return Object.fromEntries(params);
}

import { InvalidOptionError } from './errors.js';

/**
 * Salesforce's addresses: a login base to its endpoint URLs, which hosts may be a login base, and
 * which origins belong to a login (for the identity URL and `instance_url`). Pure functions.
 */

/** Where production and Developer Edition users log in. */
export const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';

/** The OAuth endpoints under one login base. */
export interface LoginEndpoints {
  authorize: string;
  token: string;
  revoke: string;
}

/** Everything one login talks to: its base, endpoints and own origins. */
export interface LoginTarget {
  base: URL;
  /** `base` as a string without trailing slash: the id_token issuer and the allow-list key. */
  baseURL: string;
  authorizationURL: URL;
  tokenURL: URL;
  revokeURL: URL;
  /** Origins that belong to the login, for the identity URL check. */
  origins: string[];
}

/**
 * `path` without its trailing slashes. A loop rather than `/\/+$/`: that regex is tried at every
 * slash of a run and so takes quadratic time on many slashes followed by another character, and a
 * per-request login URL is chosen by the request.
 */
function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end -= 1;
  return path.slice(0, end);
}

/** Longer URL options are no login base; a per-request one is refused before it is parsed. */
const MAX_LOGIN_URL_LENGTH = 2048;

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The host types Salesforce operates for OAuth ("OAuth Endpoints",
 * https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_endpoints.htm): the
 * shared login hosts; My Domains of every kind (`acme`, `acme--uat.sandbox`, `*.scratch`,
 * `*.develop`, …) and Government Cloud My Domains; Experience Cloud sites (`*.my.site.com`).
 * Every org has a My Domain with enhanced domains
 * (https://help.salesforce.com/apex/HTViewHelpDoc?id=domain_name_overview.htm), enforced since
 * Winter '24 (https://help.salesforce.com/apex/HTViewHelpDoc?id=xcloud.domain_name_plan_prepare.htm),
 * so an org's `instance_url` is its My Domain, and instanced URLs such as
 * `https://eu55.salesforce.com` only redirect to it
 * (https://help.salesforce.com/s/articleView?id=xcloud.domain_name_setting_login_policy.htm).
 * Left out on purpose: hosts where customers publish content or run code (`*.lightning.force.com`,
 * `*--c.vf.force.com`, `*.file.force.com`, `*.content.force.com`, `*.secure.force.com` and the
 * other `*.force.com` sites) and every other name on `salesforce.com` (`www`, instance names).
 * A host of another type must be listed in `allowedLoginURLs` as an exact string.
 */
const SALESFORCE_LOGIN_HOSTS: ReadonlySet<string> = new Set(['login.salesforce.com', 'test.salesforce.com']);
const SALESFORCE_HOST_SUFFIXES: readonly string[] = ['.my.salesforce.com', '.my.salesforce.mil', '.my.site.com'];

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Whether `hostname` (as the URL parser gives it: lower-case, Punycode) is a host Salesforce
 * runs for OAuth: no customer can own one, so the consumer secret, a code or a token sent to it
 * reaches Salesforce's own login or API service.
 */
function isSalesforceHost(hostname: string): boolean {
  if (SALESFORCE_LOGIN_HOSTS.has(hostname)) return true;
  const suffix = SALESFORCE_HOST_SUFFIXES.find((candidate) => hostname.endsWith(candidate));
  if (suffix === undefined) return false;
  const labels = hostname.slice(0, -suffix.length).split('.');
  return labels.every((label) => DNS_LABEL.test(label));
}

/**
 * First path segments under which a Salesforce host runs an org's own code (Apex REST under
 * `/services/apexrest`, Visualforce under `/apex`): a login base there would send the token
 * request to that code.
 */
const ORG_CODE_SEGMENTS: ReadonlySet<string> = new Set(['services', 'apex']);

/** The path rule for a login base a pattern admits: none, or one site prefix that is not org code. */
function hasSitePrefixAtMost(url: URL): boolean {
  const path = withoutTrailingSlashes(url.pathname);
  if (path === '') return true;
  const segment = /^\/([A-Za-z0-9_-]{1,80})$/.exec(path)?.[1];
  return segment !== undefined && !ORG_CODE_SEGMENTS.has(segment.toLowerCase());
}

/**
 * Whether a login base is one Salesforce runs for OAuth: https on a Salesforce host, on its
 * default port, with at most an Experience Cloud site prefix as path.
 */
export function isSalesforceLoginBase(url: URL): boolean {
  if (url.protocol !== 'https:' || url.port !== '' || url.username || url.password || !isSalesforceHost(url.hostname)) return false;
  return hasSitePrefixAtMost(url);
}

/**
 * Whether a RegExp or function of `allowedLoginURLs` may admit a login base, whatever it says: a
 * Salesforce login base; or, only when the configured `loginURL` is loopback itself (development
 * against a local emulator), a loopback base under the same path rule. Otherwise a loopback
 * port is whatever else listens on the app's machine (a sidecar, a debug port), which would
 * receive the code, the verifier and the consumer secret: it must be listed as an exact string.
 */
export function patternMayAdmit(candidate: URL, loginURL: URL): boolean {
  if (!isLoopbackHost(candidate.hostname)) return isSalesforceLoginBase(candidate);
  return (
    isLoopbackHost(loginURL.hostname) &&
    isSecureOrLoopback(candidate) &&
    !candidate.username &&
    !candidate.password &&
    hasSitePrefixAtMost(candidate)
  );
}

function isSecureOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * Validates a base or endpoint URL option and returns it parsed, with any trailing slash removed
 * from its path. Throws a `TypeError` that names `optionName`.
 */
export function parseSalesforceURL(value: unknown, optionName: string): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(`${optionName} must be a URL string such as ${DEFAULT_LOGIN_URL}`);
  }
  if (value.length > MAX_LOGIN_URL_LENGTH) {
    throw new InvalidOptionError(`${optionName} must be a URL of at most ${MAX_LOGIN_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionError(`${optionName} must be an absolute URL such as ${DEFAULT_LOGIN_URL}`);
  }
  if (!isSecureOrLoopback(url)) {
    throw new InvalidOptionError(`${optionName} must use https: (http: is accepted only for localhost and 127.0.0.1)`);
  }
  if (url.username || url.password) {
    throw new InvalidOptionError(`${optionName} must not contain credentials`);
  }
  if (url.search || url.hash) {
    throw new InvalidOptionError(`${optionName} must not contain a query string or fragment`);
  }
  url.pathname = withoutTrailingSlashes(url.pathname);
  return url;
}

/** A login base as a string: origin and path, without trailing slash. */
export function loginBase(url: URL): string {
  return `${url.origin}${withoutTrailingSlashes(url.pathname)}`;
}

/**
 * The OAuth endpoints of a login base. The base's path is kept, because an Experience Cloud
 * site serves them below its own path (`https://acme.my.site.com/partners/services/oauth2/…`).
 */
export function loginEndpoints(loginURL: URL): LoginEndpoints {
  const base = `${loginBase(loginURL)}/services/oauth2`;
  return { authorize: `${base}/authorize`, token: `${base}/token`, revoke: `${base}/revoke` };
}

/** The target of a login base, with explicit authorization and token endpoints when configured. */
export function loginTarget(base: URL, overrides: { authorizationURL?: URL; tokenURL?: URL } = {}): LoginTarget {
  const endpoints = loginEndpoints(base);
  const authorizationURL = overrides.authorizationURL ?? new URL(endpoints.authorize);
  const tokenURL = overrides.tokenURL ?? new URL(endpoints.token);
  return {
    base,
    baseURL: loginBase(base),
    authorizationURL,
    tokenURL,
    revokeURL: new URL(endpoints.revoke),
    origins: [...new Set([base.origin, authorizationURL.origin, tokenURL.origin])],
  };
}

/**
 * Hosts that serve the identity URL of any org, besides the login's own origins and its instance:
 * Salesforce puts `login.salesforce.com` (`test.salesforce.com` for sandboxes) in `id` even when
 * the user logged in through a My Domain.
 */
const IDENTITY_ORIGINS: readonly string[] = ['https://login.salesforce.com', 'https://test.salesforce.com'];

/** Where the identity URL of a token response may be fetched from. */
export interface IdentityOriginContext {
  /** Origins of the login: the login base, and the token endpoint when it was set apart. */
  loginOrigins: readonly string[];
  /** `instance_url` from the token response, once `checkInstanceURL` accepted it. */
  instanceUrl?: URL | undefined;
}

export type IdentityURLCheck = { ok: true; url: URL } | { ok: false; origin: string };

/**
 * Decides whether the identity URL (`id` in the token response) may be fetched with the access
 * token: only from an origin this login can produce: the login's own origins, its checked
 * `instance_url`, or `login`/`test.salesforce.com`. Other hosts on Salesforce's domains are not
 * enough: customers publish content on `*.my.site.com` and `*.force.com`.
 */
export function checkIdentityURL(id: unknown, context: IdentityOriginContext): IdentityURLCheck {
  let url: URL;
  try {
    url = new URL(String(id));
  } catch {
    return { ok: false, origin: 'an invalid URL' };
  }
  const trusted = new Set([...context.loginOrigins, ...IDENTITY_ORIGINS]);
  if (context.instanceUrl) trusted.add(context.instanceUrl.origin);
  const allowed = !url.username && !url.password && isSecureOrLoopback(url) && trusted.has(url.origin);
  return allowed ? { ok: true, url } : { ok: false, origin: url.origin };
}

export type InstanceURLCheck = { ok: true; url: URL | undefined } | { ok: false };

/**
 * Checks `instance_url` from a token response, where apps send the access token for API calls:
 * absent, or an https URL on a host Salesforce runs, or on the login's own origin (a custom
 * domain the developer configured), or on a loopback host when the login itself is one (the
 * emulator). Anything else (`javascript:`, a foreign host) is a broken or forged answer.
 */
export function checkInstanceURL(value: unknown, login: LoginTarget): InstanceURLCheck {
  if (value === undefined) return { ok: true, url: undefined };
  if (typeof value !== 'string' || !URL.canParse(value)) return { ok: false };
  const url = new URL(value);
  if (url.username || url.password || url.search || url.hash || !isSecureOrLoopback(url)) return { ok: false };
  const allowed =
    login.origins.includes(url.origin) ||
    (url.protocol === 'https:' && url.port === '' && isSalesforceHost(url.hostname)) ||
    (isLoopbackHost(url.hostname) && isLoopbackHost(login.base.hostname));
  return allowed ? { ok: true, url } : { ok: false };
}

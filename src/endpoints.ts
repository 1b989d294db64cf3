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

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Salesforce's shared login hosts (production and Developer Edition, sandboxes). */
const SALESFORCE_LOGIN_HOSTS: ReadonlySet<string> = new Set(['login.salesforce.com', 'test.salesforce.com']);

/**
 * Suffixes under which every host is run by Salesforce, never by a customer: My Domains of every
 * kind (`acme`, `acme--uat.sandbox`, `*.scratch`, `*.develop`, …), Government Cloud My Domains,
 * Experience Cloud sites, and the older Force.com sites and communities.
 */
const SALESFORCE_HOST_SUFFIXES: readonly string[] = ['.my.salesforce.com', '.my.salesforce.mil', '.my.site.com', '.force.com'];

/** Instances of orgs from before My Domain (`na1`, `cs42`, `eu5`, …), still seen as `instance_url`. */
const SALESFORCE_INSTANCE_HOST = /^[a-z]{2,4}\d{1,3}\.salesforce\.com$/;

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Whether Salesforce itself runs `hostname` (as the URL parser gives it: lower-case, Punycode).
 * A customer can own a host on no suffix listed here, so the consumer secret, a code or a token
 * sent to such a host reaches Salesforce.
 */
export function isSalesforceHost(hostname: string): boolean {
  if (SALESFORCE_LOGIN_HOSTS.has(hostname) || SALESFORCE_INSTANCE_HOST.test(hostname)) return true;
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

/**
 * Whether a login base is one a pattern of `allowedLoginURLs` may admit: https on a host
 * Salesforce runs, on its default port, with at most an Experience Cloud site prefix as path; or
 * a loopback host (a local emulator). Everything else must be listed as an exact URL.
 */
export function isSalesforceLoginBase(url: URL): boolean {
  if (isLoopbackHost(url.hostname)) return isSecureOrLoopback(url);
  if (url.protocol !== 'https:' || url.port !== '' || url.username || url.password || !isSalesforceHost(url.hostname)) return false;
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') return true;
  const segment = /^\/([A-Za-z0-9_-]{1,80})$/.exec(path)?.[1];
  return segment !== undefined && !ORG_CODE_SEGMENTS.has(segment.toLowerCase());
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
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** A login base as a string: origin and path, without trailing slash. */
export function loginBase(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
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

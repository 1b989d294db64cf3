/** Shared fixtures for the emulator tests: apps, and HTTP helpers that drive the real server. */
import { createHash, randomBytes } from 'node:crypto';
import type { EmulatorConnectedApp, RunningEmulator } from '../src/index.js';

export const REDIRECT_URI = 'http://localhost:3000/auth/salesforce/callback';
export const CLIENT_ID = '3MVG9confidential.client';
export const CLIENT_SECRET = 'F00DBABE0123456789ABCDEF';
export const PUBLIC_CLIENT_ID = '3MVG9public.client';

/** The fields of a token response without `openid`, in Salesforce's order (salesforce-behaviour.md §4.1). */
export const TOKEN_RESPONSE_FIELDS = [
  'access_token',
  'refresh_token',
  'signature',
  'scope',
  'instance_url',
  'id',
  'token_type',
  'issued_at',
];

export function confidentialApp(overrides: Partial<EmulatorConnectedApp> = {}): EmulatorConnectedApp {
  return { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI], ...overrides };
}

export function publicApp(overrides: Partial<EmulatorConnectedApp> = {}): EmulatorConnectedApp {
  return { clientId: PUBLIC_CLIENT_ID, redirectUris: [REDIRECT_URI], ...overrides };
}

/**
 * The `urls` of the identity and UserInfo documents for the default org on instance `u`, written
 * out as Salesforce's fixture has them: `v{version}` in REST URLs, bare `{version}` and the
 * 15-character org id in SOAP ones.
 */
export function expectedUrls(u: string, userId: string | undefined): Record<string, string> {
  return {
    enterprise: `${u}/services/Soap/c/{version}/00D5g000004EmUl`,
    metadata: `${u}/services/Soap/m/{version}/00D5g000004EmUl`,
    partner: `${u}/services/Soap/u/{version}/00D5g000004EmUl`,
    rest: `${u}/services/data/v{version}/`,
    sobjects: `${u}/services/data/v{version}/sobjects/`,
    search: `${u}/services/data/v{version}/search/`,
    query: `${u}/services/data/v{version}/query/`,
    recent: `${u}/services/data/v{version}/recent/`,
    tooling_soap: `${u}/services/Soap/T/{version}/00D5g000004EmUl`,
    tooling_rest: `${u}/services/data/v{version}/tooling/`,
    profile: `${u}/${userId}`,
    feeds: `${u}/services/data/v{version}/chatter/feeds`,
    groups: `${u}/services/data/v{version}/chatter/groups`,
    users: `${u}/services/data/v{version}/chatter/users`,
    feed_items: `${u}/services/data/v{version}/chatter/feed-items`,
    feed_elements: `${u}/services/data/v{version}/chatter/feed-elements`,
    custom_domain: u,
  };
}

export type Params = Record<string, string | undefined>;

export function withoutUndefined(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined) out[name] = value;
  return out;
}

/** A client's S256 challenge, computed here rather than by the emulator's own code under test. */
export function s256(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** Authorize-request parameters for the confidential app, with a fresh PKCE pair. */
export function authorizeParams(overrides: Params = {}): { params: Params; codeVerifier: string } {
  const codeVerifier = randomBytes(32).toString('base64url');
  return {
    codeVerifier,
    params: {
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      state: 'st-123',
      code_challenge: s256(codeVerifier),
      code_challenge_method: 'S256',
      ...overrides,
    },
  };
}

export interface AuthorizeResult {
  status: number;
  /** The raw Location header. */
  location: string | null;
  /** Location's query parameters, decoded. */
  query: URLSearchParams;
  body: string;
  contentType: string | null;
}

export async function authorize(emulator: RunningEmulator, params: Params, sitePrefix = ''): Promise<AuthorizeResult> {
  const url = `${emulator.url}${sitePrefix}/services/oauth2/authorize?${new URLSearchParams(withoutUndefined(params)).toString()}`;
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  return {
    status: response.status,
    location,
    query: location === null ? new URLSearchParams() : new URL(location, url).searchParams,
    body: await response.text(),
    contentType: response.headers.get('content-type'),
  };
}

/** Runs a successful authorize and returns the decoded code plus the verifier that goes with it. */
export async function obtainCode(
  emulator: RunningEmulator,
  overrides: Params = {},
  sitePrefix = '',
): Promise<{ code: string; codeVerifier: string }> {
  const { params, codeVerifier } = authorizeParams(overrides);
  const result = await authorize(emulator, params, sitePrefix);
  const code = result.query.get('code');
  if (result.status !== 302 || code === null) throw new Error(`authorize failed: ${result.status} ${String(result.location)}`);
  return { code, codeVerifier };
}

export interface JsonResult {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export async function postForm(
  emulator: RunningEmulator,
  path: string,
  form: Params,
  headers: Record<string, string> = {},
): Promise<JsonResult> {
  const response = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(withoutUndefined(form)).toString(),
    redirect: 'manual',
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // non-JSON bodies are asserted through `text`
  }
  return { status: response.status, headers: response.headers, text, json };
}

export function postToken(
  emulator: RunningEmulator,
  form: Params,
  headers: Record<string, string> = {},
  sitePrefix = '',
): Promise<JsonResult> {
  return postForm(emulator, `${sitePrefix}/services/oauth2/token`, form, headers);
}

/** The authorization_code grant's form for `code`, with the client secret when the client is the confidential app. */
export function codeGrantForm(
  code: string,
  codeVerifier: string,
  clientId = CLIENT_ID,
  clientSecret = clientId === CLIENT_ID ? CLIENT_SECRET : undefined,
): Params {
  return {
    grant_type: 'authorization_code',
    code,
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uri: REDIRECT_URI,
    code_verifier: codeVerifier,
  };
}

/** POSTs the authorization_code grant for `code` (see `codeGrantForm`). */
export function exchangeCode(emulator: RunningEmulator, code: string, codeVerifier: string, clientId = CLIENT_ID): Promise<JsonResult> {
  return postToken(emulator, codeGrantForm(code, codeVerifier, clientId));
}

/** POSTs the refresh_token grant for the confidential app. */
export function refreshGrant(emulator: RunningEmulator, refreshToken: string | undefined): Promise<JsonResult> {
  return postToken(emulator, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
  });
}

/** Authorize then exchange the code for the confidential app (scope `api refresh_token` unless overridden). */
export async function login(emulator: RunningEmulator, overrides: Params = {}): Promise<Record<string, string>> {
  const clientId = overrides['client_id'] ?? CLIENT_ID;
  const { code, codeVerifier } = await obtainCode(emulator, { scope: 'api refresh_token', ...overrides });
  const result = await exchangeCode(emulator, code, codeVerifier, clientId);
  if (result.status !== 200) throw new Error(`token exchange failed: ${result.text}`);
  return result.json as Record<string, string>;
}

export function basicAuth(clientId: string, clientSecret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` };
}

export async function getIdentity(
  url: string,
  accessToken: string | undefined,
  init: RequestInit = {},
): Promise<{ status: number; contentType: string | null; text: string }> {
  const headers: Record<string, string> = accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` };
  const response = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** Closes the emulator, giving up after `ms` so a close() that hangs fails the test quickly. */
export async function closeWithin(emulator: RunningEmulator, ms: number): Promise<'closed' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  const result = await Promise.race([emulator.close().then(() => 'closed' as const), timeout]);
  clearTimeout(timer);
  return result;
}

/**
 * What a browser does with an authorize URL at the headless emulator: requests it (over HTTPS
 * trusting the emulator's CA) and returns where it is sent, the app's callback with its query.
 */
export async function followAuthorize(emulator: RunningEmulator, authorizeUrl: string | URL): Promise<URL> {
  const response = await emulator.fetch(String(authorizeUrl));
  const location = response.headers.get('location');
  if (response.status !== 302 || location === null) throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  return new URL(location, authorizeUrl);
}

/** The two ways the clients' conformance suites run: over plain HTTP, and over HTTPS trusting the emulator's CA. */
export const TRANSPORTS = [
  { transport: 'http', https: false },
  { transport: 'https', https: true },
] as const;

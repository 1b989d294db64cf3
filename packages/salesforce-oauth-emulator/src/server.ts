/**
 * The HTTP side of the emulator: listening, routing, body parsing with a size limit, the request
 * log and fault injection. Protocol decisions live in the handlers (oauth.ts, identity.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import type { EmulatorContext } from './context.js';
import { handleDiscovery, handleKeys } from './discovery.js';
import { IdTokenIssuer, validateIdTokenTweak } from './id-token.js';
import { handleIdentity } from './identity.js';
import { SigningKeyring } from './keys.js';
import { handleRemoteAccessErrorPage } from './authorization.js';
import { handleAuthorize, handleRevoke, handleToken } from './oauth.js';
import { handleUserInfo } from './userinfo.js';
import { handleApprovalPage, handleLoginPage } from './login.js';
import { LoginState } from './login-state.js';
import { handleRest } from './rest.js';
import { RestState } from './rest-state.js';
import { createTlsMaterial } from './tls.js';
import { createTrustingFetch } from './fetch.js';
import {
  isFormContentType,
  isWellFormedPath,
  parseForm,
  routePath,
  splitRequestTarget,
  toRecord,
  type EmulatorRequest,
  type Route,
} from './request.js';
import { JSON_CONTENT_TYPE, maintenancePage, notFoundResponse, oauthErrorResponse, type EmulatorResponse } from './responses.js';
import { DEFAULT_ORG_ID, DEFAULT_USER, EmulatorState } from './state.js';
import type { EmulatorEndpoint, EmulatorFault, EmulatorOptions, EmulatorRequestRecord, RunningEmulator } from './types.js';
import { trimTrailingSlashes } from './urls.js';

/** Handlers that sign (id_tokens) answer asynchronously; the rest answer at once. */
export type EndpointHandler = (request: EmulatorRequest, context: EmulatorContext) => EmulatorResponse | Promise<EmulatorResponse>;
export type HandlerTable = Readonly<Record<EmulatorEndpoint, EndpointHandler>>;

export const DEFAULT_HANDLERS: HandlerTable = {
  authorize: handleAuthorize,
  token: handleToken,
  revoke: handleRevoke,
  identity: handleIdentity,
  userinfo: handleUserInfo,
  keys: handleKeys,
  discovery: handleDiscovery,
  login: handleLoginPage,
  approval: handleApprovalPage,
  error: handleRemoteAccessErrorPage,
  rest: handleRest,
};

/** Largest request body accepted; OAuth requests are a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** How much of an oversized body is read and discarded (so the client sees the 413) before the socket is dropped. */
const MAX_DRAINED_BYTES = 1024 * 1024;

const ENDPOINTS: readonly EmulatorEndpoint[] = [
  'authorize',
  'token',
  'identity',
  'revoke',
  'userinfo',
  'keys',
  'discovery',
  'login',
  'approval',
  'error',
  'rest',
];

/**
 * Only the root and the configured site paths serve anything, as on Salesforce (salesforce-behaviour.md
 * §1.2: paths are relative to the host, site path included). The pages exist only with
 * `interactive`, the REST resources only with `restApi`. Everything else is an unknown path.
 */
function servedRoute(route: Route, context: EmulatorContext): Route {
  const unknownSite = route.sitePrefix !== '' && !context.sites.has(route.sitePrefix);
  const pagesOff = (route.endpoint === 'login' || route.endpoint === 'approval') && !context.interactive;
  const restOff = route.endpoint === 'rest' && !context.restApi;
  return unknownSite || pagesOff || restOff ? { endpoint: 'other', sitePrefix: '' } : route;
}

/** `sites`, each as `/path` without a trailing slash; a `TypeError` naming the option for anything else. */
export function resolveSites(sites: readonly string[] | undefined): string[] {
  if (sites === undefined) return [];
  if (!Array.isArray(sites)) throw new TypeError('sites must be an array of site paths such as "/partners"');
  return sites.map((site) => {
    const path = typeof site === 'string' ? site.replace(/(?<=.)\/$/, '') : site;
    if (typeof path !== 'string' || !/^(?:\/[A-Za-z0-9._~-]+)+$/.test(path) || /\/\.{1,2}(?:\/|$)/.test(path)) {
      throw new TypeError(
        `sites must be paths such as "/partners" (letters, digits, . _ ~ - between slashes), got ${JSON.stringify(site)}`,
      );
    }
    return path;
  });
}

type BodyResult = { kind: 'complete'; text: string } | { kind: 'too-large'; drained: boolean } | { kind: 'aborted' };

/** Reads the request body, keeping at most MAX_BODY_BYTES of it. */
function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAINED_BYTES) {
        req.pause();
        settle({ kind: 'too-large', drained: false });
      }
    });
    req.on('end', () => {
      settle(
        size > MAX_BODY_BYTES ? { kind: 'too-large', drained: true } : { kind: 'complete', text: Buffer.concat(chunks).toString('utf8') },
      );
    });
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => settle({ kind: 'aborted' }));
  });
}

/** Checks a fault at `setFault` time, so a bad one fails in the test that sets it, not in a request. */
function validateFault(fault: EmulatorFault): void {
  const status = 'status' in fault ? fault.status : undefined;
  if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 999)) {
    throw new RangeError(`fault status must be an integer HTTP status, got ${String(status)}`);
  }
  if (fault.kind === 'delay' && !(Number.isFinite(fault.ms) && fault.ms >= 0)) {
    throw new RangeError(`delay fault needs a non-negative ms, got ${String(fault.ms)}`);
  }
  if (!['status', 'html', 'malformed-json', 'empty', 'reset', 'hang', 'delay'].includes(fault.kind)) {
    throw new TypeError(`unknown fault kind: ${String((fault as { kind: unknown }).kind)}`);
  }
}

/** The canned answer of a fault that answers at all (`undefined` for reset, hang and delay). */
function faultResponse(fault: EmulatorFault): EmulatorResponse | undefined {
  switch (fault.kind) {
    case 'status':
      return { status: fault.status, headers: { 'Content-Type': fault.contentType ?? 'text/plain' }, body: fault.body ?? '' };
    case 'html':
      return maintenancePage(fault.status ?? 500);
    case 'malformed-json':
      // A token response cut off mid-value, as a dropped proxy connection would leave it.
      return { status: fault.status ?? 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: '{"access_token":"00D' };
    case 'empty':
      return { status: fault.status ?? 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: '' };
    default:
      return undefined;
  }
}

function writeResponse(res: ServerResponse, response: EmulatorResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/** Salesforce's answer when something goes wrong on its side. */
const SERVER_ERROR = (): EmulatorResponse => oauthErrorResponse('unknown_error', 'retry your request', 500);

/** Formats a listening address as a URL origin: brackets for IPv6, loopback for wildcard binds. */
function originOf(address: AddressInfo, protocol: 'http' | 'https'): string {
  if (address.address === '0.0.0.0') return `${protocol}://127.0.0.1:${address.port}`;
  if (address.address === '::') return `${protocol}://[::1]:${address.port}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${protocol}://${host}:${address.port}`;
}

/** What the HTTPS certificate covers: the local names, and the interface listened on. */
function certificateHosts(listenHost: string): string[] {
  const hosts = ['localhost', '127.0.0.1', '::1'];
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::';
  return wildcard || hosts.includes(listenHost) ? hosts : [...hosts, listenHost];
}

/**
 * Whether a request's `Host` header names this emulator: an IP address, `localhost` or a
 * `*.localhost` name, or one of `allowed`. Browsers send the name the page used, so a request
 * from a web page whose domain was made to resolve to 127.0.0.1 (DNS rebinding) names that
 * domain and is refused. A request without `Host` (HTTP/1.0) comes from no browser.
 */
function isServedHost(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined) return true;
  if (!URL.canParse(`http://${header}`)) return false;
  const { hostname } = new URL(`http://${header}`);
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) !== 0 || hostname === 'localhost' || hostname.endsWith('.localhost') || allowed.has(hostname);
}

function refusedHost(header: string): EmulatorResponse {
  return {
    status: 403,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body:
      `This emulator does not serve the host ${JSON.stringify(header)} (a DNS rebinding guard). ` +
      'If the name is yours, start it with --allowed-host <name> (the allowedHosts option).\n',
  };
}

/** The host names requests may name besides IP addresses and localhost. */
function allowedHostNames(options: EmulatorOptions, listenHost: string): ReadonlySet<string> {
  const names = [...(options.allowedHosts ?? []), listenHost];
  for (const url of [options.instanceUrl, options.identityBaseUrl])
    if (url !== undefined && URL.canParse(url)) names.push(new URL(url).hostname);
  return new Set(names.map((name) => name.toLowerCase()));
}

/** What serving a request needs besides the request itself. */
interface ServerRuntime {
  /** Host names requests may name besides IP addresses and localhost. */
  allowedHosts: ReadonlySet<string>;
  context: EmulatorContext;
  handlers: HandlerTable;
  /** The request log, appended to; `undefined` when requests are not recorded. */
  requests: EmulatorRequestRecord[] | undefined;
  faults: ReadonlyMap<EmulatorEndpoint, EmulatorFault>;
  /** Waits `ms`, or less if the server closes meanwhile. */
  delay(ms: number): Promise<void>;
  isClosed(): boolean;
}

async function serveRequest(req: IncomingMessage, res: ServerResponse, runtime: ServerRuntime): Promise<void> {
  if (!isServedHost(req.headers.host, runtime.allowedHosts)) {
    writeResponse(res, refusedHost(req.headers.host ?? ''));
    return;
  }
  const method = req.method ?? 'GET';
  const target = splitRequestTarget(req.url ?? '/');
  const route =
    target === undefined ? { endpoint: 'other' as const, sitePrefix: '' } : servedRoute(routePath(target.path), runtime.context);
  // Logged on arrival, before the body is read, so the log keeps arrival order.
  const record: EmulatorRequestRecord = {
    endpoint: route.endpoint,
    method,
    path: target?.path ?? req.url ?? '',
    query: {},
    body: {},
    headers: { ...req.headers },
  };
  runtime.requests?.push(record);

  const body = await readBody(req);
  if (body.kind === 'aborted' || res.destroyed) return;
  if (body.kind === 'too-large') {
    res.setHeader('Connection', 'close');
    writeResponse(res, oauthErrorResponse('invalid_request', 'request entity too large', 413));
    if (!body.drained) res.on('finish', () => req.socket.destroy());
    return;
  }

  const query = target === undefined ? undefined : parseForm(target.query);
  const form = isFormContentType(req.headers['content-type']) ? parseForm(body.text) : new Map<string, string>();
  if (query !== undefined) record.query = toRecord(query);
  if (form !== undefined) record.body = toRecord(form);
  if (target === undefined || query === undefined || form === undefined || !isWellFormedPath(target.path)) {
    writeResponse(res, oauthErrorResponse('invalid_request', 'malformed request'));
    return;
  }
  if (route.endpoint === 'other') {
    writeResponse(res, notFoundResponse());
    return;
  }

  // Faults come after logging and parsing (tests can still see what was sent) but before the handler.
  const fault = runtime.faults.get(route.endpoint);
  if (fault?.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'hang') return; // the socket stays open until the client gives up or close()
  if (fault?.kind === 'delay') {
    await runtime.delay(fault.ms);
    if (runtime.isClosed() || res.destroyed) return;
  }
  const canned = fault === undefined ? undefined : faultResponse(fault);
  if (canned !== undefined) {
    writeResponse(res, canned);
    return;
  }

  const request: EmulatorRequest = {
    method,
    path: target.path,
    sitePrefix: route.sitePrefix,
    query,
    body: form,
    headers: req.headers,
    ...(route.identityIds === undefined ? {} : { identityIds: route.identityIds }),
  };
  const response = await runtime.handlers[route.endpoint](request, runtime.context);
  if (res.destroyed) return; // the client left while an id_token was being signed
  writeResponse(res, response);
}

/**
 * The `request` listener. A hostile client must never crash the emulator: stream errors are
 * swallowed (the socket is gone anyway) and anything a handler throws becomes a 500.
 */
function createRequestListener(runtime: ServerRuntime): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    serveRequest(req, res, runtime).catch(() => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      try {
        writeResponse(res, SERVER_ERROR());
      } catch {
        res.destroy();
      }
    });
  };
}

/**
 * Starts the emulator with the given endpoint handlers. `startEmulator` is this with the real
 * handlers; tests replace one to exercise the server's own error paths.
 */
export async function startEmulatorServer(
  options: EmulatorOptions = {},
  handlers: HandlerTable = DEFAULT_HANDLERS,
): Promise<RunningEmulator> {
  const codeLifetime = options.codeLifetime ?? 900;
  if (!(Number.isFinite(codeLifetime) && codeLifetime > 0)) throw new RangeError('codeLifetime must be a positive number of seconds');
  const idTokenLifetime = options.idTokenLifetime ?? 3600;
  if (!(Number.isInteger(idTokenLifetime) && idTokenLifetime > 0)) {
    throw new RangeError('idTokenLifetime must be a positive whole number of seconds');
  }
  const sessionTimeout = options.sessionTimeout ?? 7200;
  if (!(Number.isFinite(sessionTimeout) && sessionTimeout > 0)) throw new RangeError('sessionTimeout must be a positive number of seconds');
  const maxGrants = options.maxGrantsPerUserPerApp ?? 5;
  if (maxGrants !== false && !(Number.isInteger(maxGrants) && maxGrants > 0)) {
    throw new RangeError('maxGrantsPerUserPerApp must be a positive whole number, or false');
  }
  const sites = resolveSites(options.sites);
  const orgId = options.orgId ?? DEFAULT_ORG_ID;
  if (!/^00D[A-Za-z0-9]{15}$/.test(orgId)) throw new TypeError(`orgId must be an 18-character 00D… id, got ${orgId}`);

  const state = new EmulatorState({
    orgId,
    codeLifetimeSeconds: codeLifetime,
    allowPlainPkce: options.allowPlainPkce ?? false,
    rejectVerifierWithoutChallenge: options.rejectVerifierWithoutChallenge ?? true,
    acceptEmptyClientSecret: options.acceptEmptyClientSecret ?? false,
    acceptQueryParametersOnPost: options.acceptQueryParametersOnPost ?? false,
    sessionTimeoutSeconds: sessionTimeout,
    maxGrantsPerUserPerApp: maxGrants === false ? undefined : maxGrants,
  });
  for (const user of options.users ?? [DEFAULT_USER]) state.addUser(user);
  for (const app of options.apps ?? []) state.addApp(app);
  const idTokens = new IdTokenIssuer(await SigningKeyring.create(), idTokenLifetime);

  if (options.https !== undefined && typeof options.https !== 'boolean') throw new TypeError('https must be true or false');
  const { allowedHosts } = options;
  if (
    allowedHosts !== undefined &&
    !(Array.isArray(allowedHosts) && allowedHosts.every((name) => typeof name === 'string' && name !== ''))
  ) {
    throw new TypeError('allowedHosts must be an array of host names');
  }
  const host = options.host ?? '127.0.0.1';
  const tls = options.https === true ? createTlsMaterial(certificateHosts(host)) : undefined;
  // An https.Server is an http.Server over TLS: the same 'request' events and connection handling.
  const server: Server = tls === undefined ? createServer() : createHttpsServer({ key: tls.key, cert: tls.cert });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await idTokens.keys.release();
    throw error;
  }
  // Later server errors (rare once listening) must not become uncaught exceptions.
  server.on('error', () => {});

  const url = originOf(server.address() as AddressInfo, tls === undefined ? 'http' : 'https');
  const requests: EmulatorRequestRecord[] = [];
  const faults = new Map<EmulatorEndpoint, EmulatorFault>();
  /** Pending `delay` faults, released by close() so nothing outlives the server. */
  const pendingDelays = new Set<() => void>();
  let closed = false;

  // Attached in the same tick as `listen` completed, so no request can arrive before it.
  server.on(
    'request',
    createRequestListener({
      allowedHosts: allowedHostNames(options, host),
      context: {
        state,
        baseUrl: url,
        sites: new Set(sites),
        instanceUrl: trimTrailingSlashes(options.instanceUrl ?? url),
        identityBaseUrl: trimTrailingSlashes(options.identityBaseUrl ?? url),
        idTokens,
        interactive: options.interactive === true,
        // Cookies are per host, not per port: the port in the name keeps emulators on one host apart.
        login: new LoginState({ cookieName: `sfemu_sid_${new URL(url).port}`, secure: tls !== undefined, now: () => state.now() }),
        restApi: options.restApi === true,
        rest: new RestState(),
      },
      handlers,
      requests: options.recordRequests === false ? undefined : requests,
      faults,
      delay: (ms) =>
        new Promise((resolve) => {
          const release = (): void => {
            clearTimeout(timer);
            pendingDelays.delete(release);
            resolve();
          };
          const timer = setTimeout(release, ms);
          pendingDelays.add(release);
        }),
      isClosed: () => closed,
    }),
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    ...(tls === undefined ? {} : { ca: tls.ca }),
    fetch: createTrustingFetch(tls?.ca),
    orgId,
    get users() {
      return [...state.users];
    },
    addApp: (app) => state.addApp(app),
    addUser: (user) => state.addUser(user),
    setFault(endpoint, fault) {
      if (!ENDPOINTS.includes(endpoint)) throw new TypeError(`unknown endpoint: ${String(endpoint)}`);
      if (fault === undefined) {
        faults.delete(endpoint);
        return;
      }
      validateFault(fault);
      faults.set(endpoint, { ...fault });
    },
    clearFaults() {
      faults.clear();
      // The tweak is a fault too: one reset between tests should leave honest id_tokens.
      idTokens.tweak = undefined;
    },
    setIdTokenTweak(tweak) {
      if (tweak !== undefined) validateIdTokenTweak(tweak);
      // Copied, so a caller mutating its object afterwards changes nothing.
      idTokens.tweak =
        tweak === undefined ? undefined : { ...tweak, ...(tweak.claims === undefined ? {} : { claims: { ...tweak.claims } }) };
    },
    rotateSigningKey: () => idTokens.keys.rotate(),
    requests,
    requestsTo: (endpoint) => requests.filter((r) => r.endpoint === endpoint),
    advanceClock: (seconds) => state.advanceClock(seconds),
    deactivateUser: (username) => state.updateUser(username, { active: false }, true),
    freezeUser: (username) => state.updateUser(username, { frozen: true }, false),
    unfreezeUser: (username) => state.updateUser(username, { frozen: false }, false),
    changePassword(username, newPassword) {
      if (typeof newPassword !== 'string' || newPassword === '')
        throw new TypeError('changePassword: the new password must be a non-empty string');
      state.updateUser(username, { password: newPassword }, true);
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        closed = true;
        for (const release of [...pendingDelays]) release();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // close() alone waits for keep-alive and hung connections; end them now.
        server.closeAllConnections();
      }).finally(() => idTokens.keys.release()); // the next emulator reuses the key pairs
      return closing;
    },
  };
}

/**
 * The interactive side of authorize: the login page, the approval ("Allow Access?") page, the
 * emulator's own browser session (a cookie), approvals remembered per user and app, `prompt`
 * and `immediate`. Used when the emulator runs with `interactive: true`; otherwise authorize
 * approves headlessly (oauth.ts).
 *
 * Security, kept as a real identity provider would: pending authorization requests live here,
 * server side, under an unguessable id bound to the browser session; every form carries a CSRF
 * token bound to that session; the session id changes when someone logs in; pages are never
 * framed or cached.
 */
import { randomBytes } from 'node:crypto';
import { canLogIn, completeAuthorization, inactiveUser, redirectWithError, type AuthorizationRequest } from './authorization.js';
import type { EmulatorContext } from './context.js';
import { secretsMatch } from './ids.js';
import { approvalPage, LOGIN_ERROR, loginPage, messagePage } from './pages.js';
import type { EmulatorRequest } from './request.js';
import { redirectResponse, type EmulatorResponse } from './responses.js';
import { boundedSet } from './state.js';
import type { ResolvedUser } from './types.js';

/** The login page, under the site prefix of the authorize request. */
/**
 * The login page, the root as on Salesforce; a login started by authorize carries `ec=302`, which
 * is how jsforce's browser-login helper recognises the page (salesforce-behaviour.md §2.4).
 */
const LOGIN_PATH = '/';
/** Salesforce's approval page. */
const APPROVAL_PATH = '/setup/secur/RemoteAccessAuthorizationPage.apexp';
/** Salesforce's logout page: ends the emulator's browser session. */
const LOGOUT_PATH = '/secur/logout.jsp';

/** How long a login may sit on the login or approval page. */
export const PENDING_AUTHORIZATION_TTL_MS = 10 * 60 * 1000;
const MAX_SESSIONS = 10_000;
const MAX_PENDING = 10_000;

/** The emulator's session with one browser. */
export interface BrowserSession {
  id: string;
  /** Every form posted in this session must carry it. */
  csrfToken: string;
  /** The logged-in user, if any. */
  userId: string | undefined;
}

/** An authorize request waiting for the user on the login or approval page. */
export interface PendingAuthorization {
  id: string;
  /** The browser session that started it; no other may continue it. */
  sessionId: string;
  authorization: AuthorizationRequest;
  /** The user logged in for this request (so `prompt=login` is satisfied). */
  loginDone: boolean;
  createdAtMs: number;
}

function newId(): string {
  return randomBytes(24).toString('base64url');
}

export interface LoginStateOptions {
  /**
   * The session cookie's name. Cookies are per host, not per port, so each emulator on a host
   * needs its own name to keep its sessions apart (and apart from the app's).
   */
  cookieName: string;
  /** Mark the cookie `Secure`, for an emulator served over HTTPS. Default: `false`. */
  secure?: boolean;
  /** Clock, ms. Default: `Date.now`. */
  now?: () => number;
}

/** Browser sessions, pending authorization requests and remembered approvals. No I/O. */
export class LoginState {
  readonly cookieName: string;
  /** The cookie's attributes after its value. */
  private readonly attributes: string;
  private readonly now: () => number;
  private readonly sessions = new Map<string, BrowserSession>();
  private readonly pending = new Map<string, PendingAuthorization>();
  /** `userId clientId` → scopes the user approved for the app. */
  private readonly approvals = new Map<string, Set<string>>();

  constructor(options: LoginStateOptions) {
    this.cookieName = options.cookieName;
    this.attributes = `Path=/; HttpOnly; SameSite=Lax${options.secure === true ? '; Secure' : ''}`;
    this.now = options.now ?? Date.now;
  }

  /** The session named by the request's cookie, if it is one of ours. */
  sessionFromCookie(cookieHeader: string | undefined): BrowserSession | undefined {
    for (const part of (cookieHeader ?? '').split(';')) {
      const equalsAt = part.indexOf('=');
      if (equalsAt === -1 || part.slice(0, equalsAt).trim() !== this.cookieName) continue;
      const session = this.sessions.get(part.slice(equalsAt + 1).trim());
      if (session !== undefined) return session;
    }
    return undefined;
  }

  newSession(): BrowserSession {
    const session: BrowserSession = { id: newId(), csrfToken: newId(), userId: undefined };
    boundedSet(this.sessions, session.id, session, MAX_SESSIONS);
    return session;
  }

  /**
   * Logs `userId` in under a new session id (so an id planted before the login is worthless),
   * carrying the browser's pending requests over.
   */
  logIn(old: BrowserSession, userId: string): BrowserSession {
    this.sessions.delete(old.id);
    const session: BrowserSession = { id: newId(), csrfToken: newId(), userId };
    boundedSet(this.sessions, session.id, session, MAX_SESSIONS);
    for (const pending of this.pending.values()) if (pending.sessionId === old.id) pending.sessionId = session.id;
    return session;
  }

  endSession(session: BrowserSession): void {
    this.sessions.delete(session.id);
    for (const [id, pending] of this.pending) if (pending.sessionId === session.id) this.pending.delete(id);
  }

  /** `Set-Cookie` for the session: the browser's only handle, never readable by script. */
  cookie(session: BrowserSession): string {
    return `${this.cookieName}=${session.id}; ${this.attributes}`;
  }

  clearCookie(): string {
    return `${this.cookieName}=; ${this.attributes}; Max-Age=0`;
  }

  addPending(session: BrowserSession, authorization: AuthorizationRequest, loginDone: boolean): PendingAuthorization {
    const now = this.now();
    for (const [id, pending] of this.pending) if (this.isExpired(pending, now)) this.pending.delete(id);
    const pending: PendingAuthorization = { id: newId(), sessionId: session.id, authorization, loginDone, createdAtMs: now };
    boundedSet(this.pending, pending.id, pending, MAX_PENDING);
    return pending;
  }

  /** A live pending request of this browser session. */
  findPending(id: string | undefined, session: BrowserSession): PendingAuthorization | undefined {
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (pending === undefined || pending.sessionId !== session.id) return undefined;
    if (this.isExpired(pending, this.now())) {
      this.pending.delete(pending.id);
      return undefined;
    }
    return pending;
  }

  /** Ends a pending request: it cannot be continued or replayed. */
  finish(pending: PendingAuthorization): void {
    this.pending.delete(pending.id);
  }

  hasApproval(userId: string, clientId: string, scopes: readonly string[]): boolean {
    const approved = this.approvals.get(`${userId} ${clientId}`);
    return approved !== undefined && scopes.every((scope) => approved.has(scope));
  }

  rememberApproval(userId: string, clientId: string, scopes: readonly string[]): void {
    const key = `${userId} ${clientId}`;
    this.approvals.set(key, new Set([...(this.approvals.get(key) ?? []), ...scopes]));
  }

  private isExpired(pending: PendingAuthorization, now: number): boolean {
    return now - pending.createdAtMs > PENDING_AUTHORIZATION_TTL_MS;
  }
}

function withHeaders(response: EmulatorResponse, headers: Record<string, string>): EmulatorResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}

function loginHref(pending: PendingAuthorization): string {
  return `${pending.authorization.sitePrefix}${LOGIN_PATH}?ec=302&request=${pending.id}`;
}

function approvalHref(pending: PendingAuthorization): string {
  return `${pending.authorization.sitePrefix}${APPROVAL_PATH}?request=${pending.id}`;
}

function appName(authorization: AuthorizationRequest): string {
  return authorization.app.name;
}

function currentUser(session: BrowserSession | undefined, context: EmulatorContext): ResolvedUser | undefined {
  return session?.userId === undefined ? undefined : context.state.findUserById(session.userId);
}

function needsApproval(authorization: AuthorizationRequest, user: ResolvedUser, login: LoginState): boolean {
  return authorization.prompts.has('consent') || !login.hasApproval(user.userId, authorization.app.clientId, authorization.scopes);
}

/**
 * The interactive authorize: shows the login page unless the browser is logged in (and
 * `prompt` doesn't ask for a login), then the approval page unless the user approved this app
 * for these scopes before (and `prompt` doesn't ask for consent). With `immediate=true` no page
 * is shown: the answer is a code, or `immediate_unsuccessful` when the user would have to act.
 */
export function beginInteractiveAuthorization(
  authorization: AuthorizationRequest,
  request: EmulatorRequest,
  context: EmulatorContext,
  login: LoginState,
): EmulatorResponse {
  const existing = login.sessionFromCookie(request.headers.cookie);
  const session = existing ?? login.newSession();
  const cookieHeaders: Record<string, string> = existing === undefined ? { 'Set-Cookie': login.cookie(session) } : {};
  const user = currentUser(session, context);
  const mustLogIn = user === undefined || authorization.prompts.has('login') || authorization.prompts.has('select_account');
  const mustApprove = user === undefined || needsApproval(authorization, user, login);

  if (authorization.immediate && (mustLogIn || mustApprove)) {
    return withHeaders(redirectWithError(authorization, 'immediate_unsuccessful', 'immediate unsuccessful'), cookieHeaders);
  }
  if (user !== undefined && !mustLogIn && !mustApprove) return completeAuthorization(authorization, user, context);
  const pending = login.addPending(session, authorization, !mustLogIn);
  return withHeaders(redirectResponse(mustLogIn ? loginHref(pending) : approvalHref(pending)), cookieHeaders);
}

const COOKIES_REQUIRED = (): EmulatorResponse =>
  messagePage(
    'Cookies required',
    "Your browser didn't send the emulator's cookie. Allow cookies for this site, then go back to the app and log in again.",
    400,
  );

const REQUEST_EXPIRED = (): EmulatorResponse =>
  messagePage('Login expired', 'This login request expired or was already used. Go back to the app and log in again.', 400);

const FORM_REJECTED = (): EmulatorResponse =>
  messagePage('Request rejected', 'This form was not sent from this login session. Go back to the app and log in again.', 403);

/** The session and the pending request a page request is about, or the page to show instead. */
function resolvePageRequest(
  request: EmulatorRequest,
  login: LoginState,
): { ok: true; session: BrowserSession; pending: PendingAuthorization } | { ok: false; response: EmulatorResponse } {
  const session = login.sessionFromCookie(request.headers.cookie);
  if (session === undefined) return { ok: false, response: COOKIES_REQUIRED() };
  const id = request.method === 'POST' ? request.body.get('request') : request.query.get('request');
  const pending = login.findPending(id, session);
  if (pending === undefined) return { ok: false, response: REQUEST_EXPIRED() };
  if (request.method === 'POST' && !secretsMatch(session.csrfToken, request.body.get('csrf') ?? '')) {
    return { ok: false, response: FORM_REJECTED() };
  }
  return { ok: true, session, pending };
}

/** After a login, or when the logged-in user needs only to approve: the approval page or the code. */
function continueAfterLogin(
  pending: PendingAuthorization,
  user: ResolvedUser,
  context: EmulatorContext,
  login: LoginState,
): EmulatorResponse {
  if (needsApproval(pending.authorization, user, login)) return redirectResponse(approvalHref(pending));
  login.finish(pending);
  return completeAuthorization(pending.authorization, user, context);
}

/** `GET` and `POST` of the login page, and `GET` of the logout page. */
export function handleLoginPage(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const login = context.login;

  if (request.path.endsWith(LOGOUT_PATH)) {
    const session = login.sessionFromCookie(request.headers.cookie);
    if (session !== undefined) login.endSession(session);
    return messagePage('Logged out', 'You have logged out of the Salesforce emulator.', 200, { 'Set-Cookie': login.clearCookie() });
  }
  if (request.method !== 'GET' && request.method !== 'POST') {
    return messagePage('Not allowed', 'The login page answers only GET and POST.', 405);
  }
  const resolved = resolvePageRequest(request, login);
  if (!resolved.ok) return resolved.response;
  const { session, pending } = resolved;
  const { authorization } = pending;
  const form = (username: string, error?: string): EmulatorResponse =>
    loginPage({
      action: `${authorization.sitePrefix}${LOGIN_PATH}`,
      requestId: pending.id,
      csrfToken: session.csrfToken,
      username,
      appName: appName(authorization),
      ...(error === undefined ? {} : { error, status: 200 }),
    });

  if (request.method === 'GET') {
    return form(authorization.loginHint ?? currentUser(session, context)?.username ?? '');
  }

  const username = request.body.get('username') ?? '';
  const password = request.body.get('pw') ?? '';
  const user = context.state.findUserByUsername(username);
  // The same words for an unknown user and a wrong password, as Salesforce: no user enumeration.
  if (user === undefined || !secretsMatch(user.password, password)) return form(username, LOGIN_ERROR);
  if (!canLogIn(user)) {
    login.finish(pending);
    return inactiveUser(authorization);
  }
  const loggedIn = login.logIn(session, user.userId);
  pending.loginDone = true;
  return withHeaders(continueAfterLogin(pending, user, context, login), { 'Set-Cookie': login.cookie(loggedIn) });
}

/** `GET` and `POST` of the approval page. */
export function handleApprovalPage(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const login = context.login;
  if (request.method !== 'GET' && request.method !== 'POST') {
    return messagePage('Not allowed', 'The approval page answers only GET and POST.', 405);
  }
  const resolved = resolvePageRequest(request, login);
  if (!resolved.ok) return resolved.response;
  const { session, pending } = resolved;
  const { authorization } = pending;
  const user = currentUser(session, context);
  if (user === undefined || !pending.loginDone) return redirectResponse(loginHref(pending));

  if (request.method === 'GET') {
    return approvalPage({
      action: `${authorization.sitePrefix}${APPROVAL_PATH}`,
      switchUserHref: loginHref(pending),
      requestId: pending.id,
      csrfToken: session.csrfToken,
      appName: appName(authorization),
      username: user.username,
      scopes: authorization.scopes,
    });
  }

  const decision = request.body.get('decision');
  if (decision !== 'allow' && decision !== 'deny') {
    return messagePage('Request rejected', 'Choose Allow or Deny.', 400);
  }
  login.finish(pending);
  if (decision === 'deny') return redirectWithError(authorization, 'access_denied', 'end-user denied authorization');
  login.rememberApproval(user.userId, authorization.app.clientId, authorization.scopes);
  return completeAuthorization(authorization, user, context);
}

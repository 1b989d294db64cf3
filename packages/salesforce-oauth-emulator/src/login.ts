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
import type { AuthorizationRequest } from './authorization-request.js';
import { canLogIn, completeAuthorization, inactiveUser, redirectWithError } from './authorization.js';
import type { EmulatorContext } from './context.js';
import { secretsMatch } from './ids.js';
import { approvalPage, LOGIN_ERROR, loginPage, messagePage } from './pages.js';
import type { EmulatorRequest } from './request.js';
import { redirectResponse, type EmulatorResponse } from './responses.js';
import type { BrowserSession, LoginState, PendingAuthorization } from './login-state.js';
import type { ResolvedUser } from './types.js';

/**
 * The login page (under the site prefix of the authorize request), the root as on Salesforce; a login started by authorize carries `ec=302`, which
 * is how jsforce's browser-login helper recognises the page (salesforce-behaviour.md §2.4).
 */
const LOGIN_PATH = '/';
/** Salesforce's approval page. */
const APPROVAL_PATH = '/setup/secur/RemoteAccessAuthorizationPage.apexp';
/** Salesforce's logout page: ends the emulator's browser session. */
const LOGOUT_PATH = '/secur/logout.jsp';

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

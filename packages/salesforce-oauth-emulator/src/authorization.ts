/**
 * An authorization request after validation, and the two ways it ends: a redirect back with a
 * code, or with an error. Shared by the headless approval (oauth.ts) and the login and approval
 * pages (login.ts).
 */
import type { EmulatorContext } from './context.js';
import type { EmulatorRequest } from './request.js';
import { remoteAccessErrorPageStyled } from './pages.js';
import { appendQuery, redirectResponse, remoteAccessErrorPage, type EmulatorResponse } from './responses.js';
import type { AuthorizationRequest } from './authorization-request.js';
import type { ResolvedUser } from './types.js';

/** An empty parameter counts as absent, as it does for Salesforce's optional parameters. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The requested scopes, de-duplicated, or `undefined` when none were requested. */
export function parseScope(scope: string | undefined): string[] | undefined {
  const scopes = [...new Set((scope ?? '').split(/\s+/).filter((s) => s !== ''))];
  return scopes.length === 0 ? undefined : scopes;
}

type ChallengeMethodCheck = { ok: true; method: 'S256' | 'plain' } | { ok: false };

/** Salesforce treats a missing method as S256 (its own clients never send one), not RFC 7636's `plain`. */
function checkChallengeMethod(method: string | undefined, allowPlain: boolean): ChallengeMethodCheck {
  if (method === undefined || method === 'S256') return { ok: true, method: 'S256' };
  if (method === 'plain' && allowPlain) return { ok: true, method: 'plain' };
  return { ok: false };
}

/** The callback URL with `error`, `error_description` (spaces as `+`) and the client's `state`. */
export function redirectWithError(
  authorization: Pick<AuthorizationRequest, 'redirectUri' | 'state'>,
  error: string,
  description: string,
): EmulatorResponse {
  return redirectResponse(appendQuery(authorization.redirectUri, { error, error_description: description, state: authorization.state }));
}

/** Where Salesforce sends the browser for the errors it must not redirect to the app (salesforce-behaviour.md §1.2, §9.2). */
const ERROR_PAGE_PATH = '/setup/secur/RemoteAccessErrorPage.apexp';

/**
 * What the app sent next to what the emulator has registered, for the errors about the client or
 * its redirect_uri: the emulator is a local tool, so its error page can say what to fix.
 */
export function receivedAndRegistered(query: ReadonlyMap<string, string>, context: EmulatorContext): Array<readonly [string, string]> {
  const clientId = query.get('client_id');
  switch (query.get('error')) {
    case 'invalid_client_id':
      return [
        ['client_id received', clientId ?? '(none)'],
        ['client_ids registered', [...context.state.apps.keys()].join(', ') || '(no Connected App registered)'],
      ];
    case 'redirect_uri_missing':
    case 'redirect_uri_mismatch': {
      const app = clientId === undefined ? undefined : context.state.apps.get(clientId);
      return [
        ['redirect_uri received', query.get('redirect_uri') ?? '(none)'],
        [`redirect_uris registered for ${clientId ?? '(no client_id)'}`, app?.redirectUris.join(', ') ?? '(no such Connected App)'],
      ];
    }
    default:
      return [];
  }
}

/**
 * `GET {base}/setup/secur/RemoteAccessErrorPage.apexp?error=…&error_description=…`: the page shows
 * the error its query names, and what was received next to what is registered. The interactive
 * emulator shows it in the look of its other pages.
 */
export function handleRemoteAccessErrorPage(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const page = context.interactive ? remoteAccessErrorPageStyled : remoteAccessErrorPage;
  return page(
    request.query.get('error') ?? '',
    request.query.get('error_description') ?? '',
    receivedAndRegistered(request.query, context),
  );
}

export type AuthorizeValidation = { ok: true; authorization: AuthorizationRequest } | { ok: false; response: EmulatorResponse };

/**
 * Checks an authorize request in Salesforce's order. Errors about the client or the redirect_uri
 * send the browser to Salesforce's error page: redirecting to an unverified URI would make the
 * authorize endpoint an open redirector (RFC 6749 §4.1.2.1). Every later error is redirected back.
 */
export function validateAuthorizeRequest(request: EmulatorRequest, context: EmulatorContext): AuthorizeValidation {
  const { state } = context;
  const query = request.query;
  const remoteAccessError = (error: string, description: string): EmulatorResponse =>
    redirectResponse(
      appendQuery(`${request.sitePrefix}${ERROR_PAGE_PATH}`, {
        error,
        error_description: description,
        // Beyond Salesforce's two: what the page needs to show what was received.
        client_id: query.get('client_id'),
        redirect_uri: query.get('redirect_uri'),
      }),
    );

  const clientId = query.get('client_id');
  const app = clientId === undefined ? undefined : state.apps.get(clientId);
  if (app === undefined) return { ok: false, response: remoteAccessError('invalid_client_id', 'client identifier invalid') };
  const redirectUri = nonEmpty(query.get('redirect_uri'));
  if (redirectUri === undefined) return { ok: false, response: remoteAccessError('redirect_uri_missing', 'redirect_uri not provided') };
  if (!app.redirectUris.includes(redirectUri)) {
    return { ok: false, response: remoteAccessError('redirect_uri_mismatch', 'redirect_uri must match configuration') };
  }

  const back = { redirectUri, state: query.get('state') };
  const fail = (error: string, description: string): AuthorizeValidation => ({
    ok: false,
    response: redirectWithError(back, error, description),
  });

  if (query.get('response_type') !== 'code') return fail('unsupported_response_type', 'response type not supported');
  if (app.blocked) return fail('OAUTH_APP_BLOCKED', 'this app is blocked by admin');

  const requestedScopes = parseScope(query.get('scope'));
  if (requestedScopes !== undefined && !requestedScopes.every((scope) => app.scopes.includes(scope))) {
    return fail('invalid_scope', 'requested scope is invalid, unknown, or malformed');
  }

  const codeChallenge = nonEmpty(query.get('code_challenge'));
  let codeChallengeMethod: 'S256' | 'plain' | undefined;
  if (codeChallenge === undefined) {
    if (app.requirePkce) return fail('invalid_request', 'missing required code challenge');
  } else {
    const methodCheck = checkChallengeMethod(query.get('code_challenge_method'), state.settings.allowPlainPkce);
    if (!methodCheck.ok) return fail('invalid_request', 'unsupported code challenge method');
    codeChallengeMethod = methodCheck.method;
  }

  return {
    ok: true,
    authorization: {
      app,
      redirectUri,
      state: back.state,
      // "Omitted means all scopes assigned to the app" (sfdx-core).
      scopes: requestedScopes ?? [...app.scopes],
      codeChallenge,
      codeChallengeMethod,
      sitePrefix: request.sitePrefix,
      nonce: query.get('nonce'),
      loginHint: nonEmpty(query.get('login_hint')),
      prompts: new Set((query.get('prompt') ?? '').split(/\s+/).filter((p) => p !== '')),
      immediate: query.get('immediate') === 'true',
    },
  };
}

/**
 * Whether a user may log in: active and not frozen. Salesforce documents no error for a frozen
 * user's login, so it gets the inactive user's (§2.3).
 */
export function canLogIn(user: ResolvedUser): boolean {
  return user.active && !user.frozen;
}

/** The redirect for a user who may not log in (see `canLogIn`). */
export function inactiveUser(authorization: Pick<AuthorizationRequest, 'redirectUri' | 'state'>): EmulatorResponse {
  return redirectWithError(authorization, 'inactive_user', 'user is inactive');
}

/**
 * Ends an authorization for a user who logged in and approved: a code for a user who may log
 * in, else `inactive_user`.
 */
export function completeAuthorization(authorization: AuthorizationRequest, user: ResolvedUser, context: EmulatorContext): EmulatorResponse {
  if (!canLogIn(user)) return inactiveUser(authorization);
  const code = context.state.issueCode({
    clientId: authorization.app.clientId,
    redirectUri: authorization.redirectUri,
    userId: user.userId,
    orgId: user.orgId,
    scope: authorization.scopes.join(' '),
    codeChallenge: authorization.codeChallenge,
    codeChallengeMethod: authorization.codeChallengeMethod,
    sitePrefix: authorization.sitePrefix,
    nonce: authorization.nonce,
  });
  return redirectResponse(appendQuery(authorization.redirectUri, { code: code.code, state: authorization.state }));
}

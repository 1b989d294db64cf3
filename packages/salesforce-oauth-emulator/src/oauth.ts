/**
 * The authorize, token and revoke endpoints: functions from a parsed request to a response, in
 * the validation order and with the exact error words of Salesforce (salesforce-behaviour.md §2–§5, §8).
 */
import { createHmac } from 'node:crypto';
import { inFormat, negotiateFormat } from './formats.js';
import { s256Challenge } from './pkce.js';
import type { EmulatorContext } from './context.js';
import { identityUrl, issuerFor } from './urls.js';
import { grantsIdToken } from './id-token.js';
import type { EmulatorRequest } from './request.js';
import { parseBasicCredentials } from './request.js';
import { canLogIn, completeAuthorization, inactiveUser, nonEmpty, redirectWithError, validateAuthorizeRequest } from './authorization.js';
import { beginInteractiveAuthorization } from './login.js';
import { jsonpResponse, oauthErrorResponse, tokenResponse, type EmulatorResponse } from './responses.js';
import {
  refreshTokenExpired,
  type AccessTokenRecord,
  type AuthorizationCodeRecord,
  type Grant,
  type RefreshTokenRecord,
  type ResolvedConnectedApp,
} from './state.js';
import { deriveSalesforceId, secretsMatch } from './ids.js';

// ---------------------------------------------------------------------------------------------
// GET /services/oauth2/authorize

/**
 * Validates the request, then either shows the login and approval pages (`interactive`) or
 * approves headlessly: the user named by login_hint, else the first seeded one, answering with
 * that user's `decision`.
 */
export function handleAuthorize(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const validation = validateAuthorizeRequest(request, context);
  if (!validation.ok) return validation.response;
  const { authorization } = validation;
  if (context.interactive) return beginInteractiveAuthorization(authorization, request, context, context.login);

  const user = context.state.chooseUser(authorization.loginHint);
  if (user === undefined) return redirectWithError(authorization, 'invalid_grant', 'invalid user credentials');
  if (!canLogIn(user)) return inactiveUser(authorization);
  if (user.decision === 'deny') return redirectWithError(authorization, 'access_denied', 'end-user denied authorization');
  return completeAuthorization(authorization, user, context);
}

// ---------------------------------------------------------------------------------------------
// POST /services/oauth2/token

type GrantType = 'authorization_code' | 'refresh_token';

type ClientAuthentication = { ok: true; app: ResolvedConnectedApp } | { ok: false; response: EmulatorResponse };

/**
 * Identifies and authenticates the client. Credentials in the body win; otherwise a Basic
 * header, which Salesforce documents for the refresh grant but historically rejected (as an
 * unknown client) on the code exchange. A secret that is sent is checked, an empty one too
 * unless `acceptEmptyClientSecret`.
 */
function authenticateClient(request: EmulatorRequest, grantType: GrantType, context: EmulatorContext): ClientAuthentication {
  const invalidClientId: ClientAuthentication = {
    ok: false,
    response: oauthErrorResponse('invalid_client_id', 'client identifier invalid'),
  };
  const invalidClient: ClientAuthentication = {
    ok: false,
    response: oauthErrorResponse('invalid_client', 'invalid client credentials'),
  };

  const bodyClientId = request.body.get('client_id');
  const basic = bodyClientId === undefined ? parseBasicCredentials(request.headers.authorization) : undefined;
  const clientId = bodyClientId ?? basic?.clientId;
  const sentSecret = bodyClientId !== undefined ? request.body.get('client_secret') : basic?.clientSecret;
  const clientSecret = sentSecret === '' && context.state.settings.acceptEmptyClientSecret ? undefined : sentSecret;

  const app = clientId === undefined ? undefined : context.state.apps.get(clientId);
  if (app === undefined) return invalidClientId;
  if (basic !== undefined && grantType === 'authorization_code' && !app.acceptBasicAuthForCodeGrant) return invalidClientId;

  if (clientSecret !== undefined) {
    if (app.clientSecret === undefined || !secretsMatch(app.clientSecret, clientSecret)) return invalidClient;
  } else {
    const required = grantType === 'authorization_code' ? app.requireSecretForWebServerFlow : app.requireSecretForRefreshTokenFlow;
    if (required) return invalidClient;
  }
  return { ok: true, app };
}

const VERIFIER_SYNTAX = /^[A-Za-z0-9\-._~]{43,}$/;

/**
 * Checks the code_verifier against the stored challenge (RFC 7636 §4.6). There is no upper
 * length limit: Salesforce's own clients send 171-character verifiers.
 */
export function verifierMatches(
  code: Pick<AuthorizationCodeRecord, 'codeChallenge' | 'codeChallengeMethod'>,
  verifier: string | undefined,
  rejectVerifierWithoutChallenge: boolean,
): boolean {
  if (code.codeChallenge === undefined) {
    // A verifier for a code issued without a challenge hints at a PKCE downgrade (RFC 9700 §4.8).
    return verifier === undefined || !rejectVerifierWithoutChallenge;
  }
  if (verifier === undefined || !VERIFIER_SYNTAX.test(verifier)) return false;
  const derived = code.codeChallengeMethod === 'plain' ? verifier : s256Challenge(verifier);
  return secretsMatch(code.codeChallenge, derived);
}

/** Only a `refresh_token` or `offline_access` scope earns a refresh token. */
function grantsRefreshToken(scope: string): boolean {
  const scopes = scope.split(' ');
  return scopes.includes('refresh_token') || scopes.includes('offline_access');
}

/** `signature`: base64(HMAC-SHA256(client secret, id + issued_at)), salesforce-behaviour.md §4.3. */
export function tokenSignature(clientSecret: string, id: string, issuedAt: string): string {
  return createHmac('sha256', clientSecret)
    .update(id + issuedAt, 'utf8')
    .digest('base64');
}

/** The token response body, with exactly Salesforce's fields (no `expires_in`). */
function tokenResponseBody(
  context: EmulatorContext,
  app: ResolvedConnectedApp,
  grant: Grant,
  accessToken: AccessTokenRecord,
  refreshToken: RefreshTokenRecord | undefined,
  idToken: string | undefined,
): Record<string, string> {
  const id = identityUrl(context, grant.orgId, grant.userId);
  const issuedAt = String(Date.now());
  const body: Record<string, string> = { access_token: accessToken.token };
  if (refreshToken !== undefined) body['refresh_token'] = refreshToken.token;
  if (app.clientSecret !== undefined) body['signature'] = tokenSignature(app.clientSecret, id, issuedAt);
  body['scope'] = grant.scope;
  if (idToken !== undefined) body['id_token'] = idToken;
  body['instance_url'] = context.instanceUrl;
  body['id'] = id;
  body['token_type'] = 'Bearer';
  body['issued_at'] = issuedAt;
  if (grant.sitePrefix !== '') {
    body['sfdc_community_url'] = `${context.baseUrl}${grant.sitePrefix}`;
    body['sfdc_community_id'] = deriveSalesforceId('0DB', grant.sitePrefix);
  }
  return body;
}

/**
 * The id_token for a grant whose scope has `openid`, `undefined` otherwise. Its issuer is the
 * base the user authorized through, whichever base the token request uses.
 */
function idTokenFor(
  context: EmulatorContext,
  grant: Grant,
  accessToken: AccessTokenRecord,
  nonce: string | undefined,
): Promise<string | undefined> {
  if (!grantsIdToken(grant.scope)) return Promise.resolve(undefined);
  return context.idTokens.issue({
    issuer: issuerFor(context, grant.sitePrefix),
    identityUrl: identityUrl(context, grant.orgId, grant.userId),
    clientId: grant.clientId,
    accessToken: accessToken.token,
    nonce,
    scope: grant.scope,
    user: context.state.findUserById(grant.userId),
    instanceUrl: context.instanceUrl,
  });
}

async function exchangeCode(request: EmulatorRequest, app: ResolvedConnectedApp, context: EmulatorContext): Promise<EmulatorResponse> {
  const { state } = context;
  const code = request.body.get('code');
  // Consumed here, before the remaining checks, so a failed verifier cannot be retried.
  const record = code === undefined ? undefined : state.consumeCode(code, app.clientId);
  if (record === undefined) return oauthErrorResponse('invalid_grant', 'expired authorization code');
  if (request.body.get('redirect_uri') !== record.redirectUri) {
    return oauthErrorResponse('redirect_uri_mismatch', 'redirect_uri must match configuration');
  }
  if (!verifierMatches(record, request.body.get('code_verifier'), state.settings.rejectVerifierWithoutChallenge)) {
    return oauthErrorResponse('invalid_grant', 'invalid code verifier');
  }
  // The user was deactivated, frozen or changed password since approving (salesforce-behaviour.md §4.4).
  if (!state.userStands(record.userId, record.credentialGeneration)) return oauthErrorResponse('invalid_grant', 'authentication failure');
  const grant = state.newGrant(record);
  const accessToken = state.issueAccessToken(grant);
  const refreshToken = grantsRefreshToken(grant.scope) ? state.issueRefreshToken(grant) : undefined;
  const idToken = await idTokenFor(context, grant, accessToken, nonEmpty(record.nonce));
  return tokenResponse(tokenResponseBody(context, app, grant, accessToken, refreshToken, idToken));
}

async function refreshAccessToken(
  request: EmulatorRequest,
  app: ResolvedConnectedApp,
  context: EmulatorContext,
): Promise<EmulatorResponse> {
  const { state } = context;
  const expired = oauthErrorResponse('invalid_grant', 'expired access/refresh token');
  const token = request.body.get('refresh_token');
  const lookup = token === undefined ? { kind: 'invalid' as const } : state.useRefreshToken(token);
  if (lookup.kind === 'invalid' || lookup.kind === 'reused' || lookup.record.grant.clientId !== app.clientId) return expired;
  // The user was deactivated, frozen or changed password since approving (salesforce-behaviour.md §4.4, §5).
  if (lookup.kind === 'user-ended') return oauthErrorResponse('invalid_grant', 'authentication failure');
  // The app's refresh token policy (salesforce-behaviour.md §5): "immediately expire", or expire after a time.
  if (refreshTokenExpired(app.refreshTokenPolicy, lookup.record.issuedAtMs, state.now())) return expired;
  const { grant } = lookup.record;
  const accessToken = state.issueAccessToken(grant);
  // Without rotation Salesforce answers without a refresh_token: the old one stays valid.
  const rotated = app.rotateRefreshTokens ? state.rotateRefreshToken(lookup.record) : undefined;
  // The nonce belonged to the authorize request; a refreshed id_token has none (OIDC Core §12.2).
  const idToken = await idTokenFor(context, grant, accessToken, undefined);
  return tokenResponse(tokenResponseBody(context, app, grant, accessToken, rotated, idToken));
}

/**
 * POST the token endpoint: the answer, success or error, in the format the request asks for with
 * `format` or `Accept` (salesforce-behaviour.md §4.1: the parameter wins).
 */
export async function handleToken(request: EmulatorRequest, context: EmulatorContext): Promise<EmulatorResponse> {
  const parameters = withPostParameters(request, context);
  const format = negotiateFormat(parameters.body.get('format'), request.headers.accept, ['json', 'urlencoded', 'xml']);
  return inFormat(await tokenAnswer(parameters, context), format, 'OAuth');
}

/**
 * The request with the parameters a POST's handler reads in its `body`: the form body, plus the
 * query string's parameters it lacks when `acceptQueryParametersOnPost` is on.
 */
function withPostParameters(request: EmulatorRequest, context: EmulatorContext): EmulatorRequest {
  if (request.method !== 'POST' || !context.state.settings.acceptQueryParametersOnPost) return request;
  return { ...request, body: new Map([...request.query, ...request.body]) };
}

/**
 * Said after an error when a POST's query string carried parameters that the strict default
 * ignored, so the switch is one search away (whether Salesforce reads them: salesforce-behaviour.md §10.6).
 */
function ignoredQueryNote(request: EmulatorRequest, context: EmulatorContext): string {
  if (request.method !== 'POST' || context.state.settings.acceptQueryParametersOnPost || request.query.size === 0) return '';
  return " (salesforce-oauth-emulator reads a POST's parameters from its form body only, not from the query string; start it with acceptQueryParametersOnPost: true to read both)";
}

async function tokenAnswer(request: EmulatorRequest, context: EmulatorContext): Promise<EmulatorResponse> {
  if (request.method !== 'POST') return oauthErrorResponse('invalid_request', 'must use HTTP POST');
  const grantType = request.body.get('grant_type');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    return oauthErrorResponse('unsupported_grant_type', `grant type not supported${ignoredQueryNote(request, context)}`);
  }
  const client = authenticateClient(request, grantType, context);
  if (!client.ok) return client.response;
  return grantType === 'authorization_code' ? exchangeCode(request, client.app, context) : refreshAccessToken(request, client.app, context);
}

// ---------------------------------------------------------------------------------------------
// POST (or GET) /services/oauth2/revoke

/** A JSONP callback: a dotted JavaScript name, nothing that could inject script. */
const CALLBACK_SYNTAX = /^[A-Za-z_$][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63}){0,7}$/;

/**
 * POST (or GET) the revoke endpoint (salesforce-behaviour.md §8). POST carries the token in the form body;
 * the 2011 "blind GET" form in the query string, and with a `callback` it answers JSONP:
 * `callback({})` on success, `callback({"error":"invalid_token"})` on failure. A JSONP error
 * comes with 200, since a browser runs no script answered with an error status [INF]; a
 * `callback` that is not a plain JavaScript name is ignored.
 */
export function handleRevoke(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  if (request.method !== 'POST' && request.method !== 'GET') {
    return oauthErrorResponse('invalid_request', 'must use HTTP POST');
  }
  const parameters = request.method === 'GET' ? request.query : withPostParameters(request, context).body;
  const callback = request.method === 'GET' ? request.query.get('callback') : undefined;
  const jsonp = callback !== undefined && CALLBACK_SYNTAX.test(callback) ? callback : undefined;
  const answer = (error: string | undefined, description: string): EmulatorResponse => {
    if (jsonp !== undefined) return jsonpResponse(jsonp, error === undefined ? {} : { error });
    if (error !== undefined) return oauthErrorResponse(error, description);
    return { status: 200, headers: { 'Cache-Control': 'no-store' }, body: '' };
  };
  const token = nonEmpty(parameters.get('token'));
  if (token === undefined) return answer('unsupported_token_type', `unsupported token type${ignoredQueryNote(request, context)}`);
  if (!context.state.revokeToken(token)) return answer('invalid_token', 'invalid token');
  return answer(undefined, '');
}

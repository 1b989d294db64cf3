/**
 * What a client fetches to verify id_tokens (facts sheet §7.2): the discovery document,
 * `/.well-known/openid-configuration`, and the JWKS, `/id/keys`. Both are public, and served
 * under any site prefix like the other endpoints.
 */
import { issuerFor, type EmulatorContext } from './context.js';
import type { EmulatorRequest } from './request.js';
import { jsonResponse, type EmulatorResponse } from './responses.js';
import { DEFAULT_APP_SCOPES } from './state.js';

/** Salesforce serves discovery to any origin; the JWKS gets the same header so browser clients can verify too. */
const PUBLIC_HEADERS = { 'Access-Control-Allow-Origin': '*' };

/**
 * The discovery document for a base. Salesforce's lists no PKCE, response-type or algorithm
 * members; the emulator adds the standard ones so generic OpenID Connect clients can configure
 * themselves, stating only what it really does.
 */
function discoveryDocument(issuer: string, allowPlainPkce: boolean): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/services/oauth2/authorize`,
    token_endpoint: `${issuer}/services/oauth2/token`,
    revocation_endpoint: `${issuer}/services/oauth2/revoke`,
    userinfo_endpoint: `${issuer}/services/oauth2/userinfo`,
    jwks_uri: `${issuer}/id/keys`,
    introspection_endpoint: `${issuer}/services/oauth2/introspect`,
    end_session_endpoint: `${issuer}/services/auth/idp/oidc/logout`,
    scopes_supported: [...DEFAULT_APP_SCOPES],
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: allowPlainPkce ? ['S256', 'plain'] : ['S256'],
    // `none` is a public client (no secret, PKCE only). Basic is accepted on the refresh grant,
    // and on the code exchange where the app allows it.
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
  };
}

/** `GET {base}/.well-known/openid-configuration`: the issuer is the base the request came through. */
export function handleDiscovery(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const issuer = issuerFor(context, request.sitePrefix);
  return jsonResponse(200, discoveryDocument(issuer, context.state.settings.allowPlainPkce), PUBLIC_HEADERS);
}

/** `GET {base}/id/keys`: every published signing key, the retired ones included. */
export function handleKeys(_request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  return jsonResponse(200, { keys: context.idTokens.keys.published() }, PUBLIC_HEADERS);
}

/**
 * What a client fetches to verify id_tokens (salesforce-behaviour.md §7.2): the discovery document,
 * `/.well-known/openid-configuration`, and the JWKS, `/id/keys`. Both are public, and served
 * under any site prefix like the other endpoints.
 */
import type { EmulatorContext } from './context.js';
import { issuerFor } from './urls.js';
import type { EmulatorRequest } from './request.js';
import { jsonResponse, type EmulatorResponse } from './responses.js';
import { DEFAULT_APP_SCOPES } from './state.js';

/** Salesforce serves discovery to any origin; the JWKS gets the same header so browser clients can verify too. */
const PUBLIC_HEADERS = { 'Access-Control-Allow-Origin': '*' };

/**
 * The discovery document for a base: the members seen in Salesforce's (salesforce-behaviour.md §7.2), in its
 * order, less those the emulator does not serve. `registration_endpoint`,
 * `introspection_endpoint` and `end_session_endpoint` are left out rather than pointing at 404s,
 * and so are the front-channel logout flags. Members Salesforce's document was not seen to carry
 * (`code_challenge_methods_supported`, `response_types_supported`, auth methods…) are left out
 * too (§10.9): a client that needs them fails here as it would against Salesforce.
 */
function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/services/oauth2/authorize`,
    token_endpoint: `${issuer}/services/oauth2/token`,
    revocation_endpoint: `${issuer}/services/oauth2/revoke`,
    userinfo_endpoint: `${issuer}/services/oauth2/userinfo`,
    jwks_uri: `${issuer}/id/keys`,
    scopes_supported: [...DEFAULT_APP_SCOPES],
  };
}

/** `GET {base}/.well-known/openid-configuration`: the issuer is the base the request came through. */
export function handleDiscovery(request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  const issuer = issuerFor(context, request.sitePrefix);
  return jsonResponse(200, discoveryDocument(issuer), PUBLIC_HEADERS);
}

/** `GET {base}/id/keys`: every published signing key, the retired ones included. */
export function handleKeys(_request: EmulatorRequest, context: EmulatorContext): EmulatorResponse {
  return jsonResponse(200, { keys: context.idTokens.keys.published() }, PUBLIC_HEADERS);
}

import type { SalesforceIdTokenClaims } from './id-token.js';
import type { TokenResponse } from './salesforce-client.js';
import type { SalesforceTokenSet } from './types.js';

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Salesforce's token response as the camelCase token set `refresh()` hands to the app. */
export function toTokenSet(tokens: TokenResponse, idTokenClaims?: SalesforceIdTokenClaims): SalesforceTokenSet {
  const issuedAt = Number(tokens.issued_at);
  return {
    accessToken: tokens.access_token,
    refreshToken: text(tokens.refresh_token),
    instanceUrl: text(tokens.instance_url),
    id: text(tokens.id),
    issuedAt: Number.isFinite(issuedAt) ? issuedAt : undefined,
    scope: text(tokens.scope),
    tokenType: text(tokens.token_type),
    idToken: text(tokens.id_token),
    idTokenClaims,
  };
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkInstanceURL, type LoginTarget } from './endpoints.js';
import { SalesforceError, SalesforceResponseError } from './errors.js';
import type { SalesforceIdTokenClaims, SalesforceTokenSet, TokenResponse } from './types.js';

/**
 * A token response from Salesforce (code exchange or refresh), read without any request: its
 * `signature` checked, its `instance_url` checked, and its fields as the token set `refresh()`
 * hands to the app. Pure functions of their arguments.
 */

/** The token response fields the signature covers. */
export interface SignedTokenFields {
  /** The identity URL, a string. */
  id?: unknown;
  /** When the token was issued, in ms since the epoch, as a string. */
  issued_at?: unknown;
  /** Salesforce's base64 signature. */
  signature?: unknown;
}

/**
 * Checks Salesforce's token response `signature`: base64(HMAC-SHA256(clientSecret, id + issued_at)).
 * It proves the identity URL came from Salesforce unaltered. Compared in constant time; any
 * missing or non-string field is a mismatch. The strategy checks every token response itself
 * when `verifyTokenSignature` is on; this is for token responses your own code receives.
 *
 * @param params The token response, or at least its `id`, `issued_at` and `signature`.
 * @param clientSecret The Connected App's consumer secret.
 * @returns `true` when the signature matches.
 * @example
 * const tokens = await response.json(); // a token response from /services/oauth2/token
 * if (!verifyTokenSignature(tokens, process.env.SF_CLIENT_SECRET!)) {
 *   throw new Error('The token response was altered');
 * }
 */
export function verifyTokenSignature(params: SignedTokenFields, clientSecret: string): boolean {
  const { id, issued_at: issuedAt, signature } = (typeof params === 'object' && params !== null ? params : {}) as SignedTokenFields;
  if (typeof id !== 'string' || typeof issuedAt !== 'string' || typeof signature !== 'string' || clientSecret === '') {
    return false;
  }
  const expected = createHmac('sha256', clientSecret)
    .update(id + issuedAt)
    .digest();
  const received = Buffer.from(signature, 'base64');
  // Buffer.from(…, 'base64') skips invalid characters, so re-encode to reject non-canonical input.
  if (received.toString('base64') !== signature || received.length !== expected.length) {
    return false;
  }
  return timingSafeEqual(received, expected);
}

/** What a token response is checked against. */
export interface TokenCheckContext {
  /** The login the token request went to. */
  login: LoginTarget;
  /** Check `signature` with `clientSecret`. */
  verifySignature: boolean;
  clientSecret: string | undefined;
}

/**
 * The checks of a token response (code exchange or refresh) that need no request: the
 * `signature` over `id` and `issued_at`, then `instance_url`. Returns the checked instance URL,
 * which is what the identity origin check may trust besides the login's own origins.
 */
export function checkTokenResponse(endpoint: 'token' | 'refresh', tokens: TokenResponse, context: TokenCheckContext): URL | undefined {
  if (context.verifySignature && !verifyTokenSignature(tokens, context.clientSecret ?? ''))
    throw new SalesforceError(
      'TOKEN_SIGNATURE_MISMATCH',
      'The token response signature does not match: the identity URL may have been altered',
    );
  const instance = checkInstanceURL(tokens.instance_url, context.login);
  if (!instance.ok) throw new SalesforceResponseError(endpoint, 200, 'the instance_url is not an https URL of a Salesforce host');
  return instance.url;
}

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

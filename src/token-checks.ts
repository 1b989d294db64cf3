import { checkInstanceURL, type LoginTarget } from './endpoints.js';
import { SalesforceResponseError, TokenSignatureError } from './errors.js';
import type { TokenResponse } from './salesforce-client.js';
import { verifyTokenSignature } from './signature.js';

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
  if (context.verifySignature && !verifyTokenSignature(tokens, context.clientSecret ?? '')) throw new TokenSignatureError();
  const instance = checkInstanceURL(tokens.instance_url, context.login);
  if (!instance.ok) throw new SalesforceResponseError(endpoint, 200, 'the instance_url is not an https URL of a Salesforce host');
  return instance.url;
}

import { InvalidOptionError } from './errors.js';
import type { TokenResponse } from './types.js';

/**
 * passport-oauth2 gives every strategy a node-oauth `OAuth2` client as `_oauth2`, and its users
 * configure it: `setAgent(agent)`, `useAuthorizationHeaderforGET(true)`, `this._oauth2.get(url,
 * token, cb)` in a `userProfile` override. This strategy makes its own calls to Salesforce, so
 * here that client is made to agree with them: the strategy reads the agent and the
 * Authorization scheme from it, the token request acts on the strategy's client, and what would
 * put an access token in a URL throws.
 */

type DataCallback = (err: unknown, result?: string | Buffer, response?: unknown) => void;
type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, results?: Record<string, unknown>) => void;

/** The members of node-oauth's `OAuth2` this module adapts (passport-oauth2's `_oauth2`). */
export interface OAuth2Client {
  useAuthorizationHeaderforGET(useIt: boolean): void;
  setAccessTokenName(name: string): void;
  get(url: string, accessToken: string, callback: DataCallback): void;
  getProtectedResource(url: string, accessToken: string, callback: DataCallback): void;
  getOAuthAccessToken(code: string, params: unknown, callback: TokenCallback): void;
}

/** A token request through the strategy's client (URL, credentials, agent, timeout), its answer checked. */
export type TokenExchange = (endpoint: 'token' | 'refresh', form: Record<string, string>) => Promise<TokenResponse>;

const QUERY_TOKENS_REFUSED = 'access tokens are sent only in the Authorization header, never in a URL (where logs and proxies keep them)';

function formFields(params: unknown): Record<string, string> {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || !Object.values(params).every((value) => typeof value === 'string')) {
    throw new InvalidOptionError('_oauth2.getOAuthAccessToken(code, params, callback): params must be an object of strings');
  }
  return { ...(params as Record<string, string>) };
}

/**
 * Adapts passport-oauth2's `_oauth2` to the strategy:
 * - `getOAuthAccessToken(code, params, cb)` (how passport-oauth2-refresh and older code refresh
 *   tokens) goes through the strategy's client: its token URL, no empty `client_secret` for a
 *   public client, the agent, `requestTimeout`, typed errors, and every check `refresh()` makes
 *   (signature, `instance_url`, id_token), so no route to a token response skips them;
 * - `get(url, token, cb)` sends the token in the Authorization header (built by
 *   `buildAuthHeader`, so `setAuthMethod` applies), through the agent set with `setAgent`;
 *   `getProtectedResource`, which node-oauth always sends with the token in the URL, does the same;
 * - `useAuthorizationHeaderforGET(false)` and `setAccessTokenName()`, which only matter for tokens
 *   in URLs, throw a `TypeError` instead of taking effect.
 */
export function adaptOAuth2(oauth2: OAuth2Client, exchange: TokenExchange): void {
  oauth2.useAuthorizationHeaderforGET(true);
  oauth2.useAuthorizationHeaderforGET = (useIt) => {
    if (useIt !== true) throw new InvalidOptionError(`_oauth2.useAuthorizationHeaderforGET(${String(useIt)}): ${QUERY_TOKENS_REFUSED}`);
  };
  oauth2.setAccessTokenName = () => {
    throw new InvalidOptionError(`_oauth2.setAccessTokenName(): ${QUERY_TOKENS_REFUSED}`);
  };
  oauth2.getProtectedResource = (url, accessToken, callback) => oauth2.get(url, accessToken, callback);
  oauth2.getOAuthAccessToken = (code, params, callback) => {
    let form: Record<string, string>;
    try {
      form = formFields(params);
    } catch (error) {
      callback(error);
      return;
    }
    const refresh = form.grant_type === 'refresh_token';
    form[refresh ? 'refresh_token' : 'code'] = code;
    exchange(refresh ? 'refresh' : 'token', form).then(
      // node-oauth hands the refresh token apart from the other results.
      ({ refresh_token: refreshToken, ...results }) => callback(null, results.access_token, refreshToken, results),
      (error: unknown) => callback(error),
    );
  };
}

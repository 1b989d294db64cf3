/**
 * A validated authorize request, as the headless and the interactive authorize carry it until a
 * code is issued. Types only.
 */
import type { ResolvedConnectedApp } from './state.js';

/** A validated `GET /services/oauth2/authorize`: everything needed to finish it later. */
export interface AuthorizationRequest {
  app: ResolvedConnectedApp;
  redirectUri: string;
  /** The client's `state`, echoed back. */
  state: string | undefined;
  /** The scopes the code will carry: the requested ones, or all of the app's when none were requested. */
  scopes: readonly string[];
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain' | undefined;
  sitePrefix: string;
  nonce: string | undefined;
  loginHint: string | undefined;
  /** `prompt` values: `login`, `consent`, `select_account`. */
  prompts: ReadonlySet<string>;
  /** `immediate=true`: answer without showing a page, or `immediate_unsuccessful`. */
  immediate: boolean;
}

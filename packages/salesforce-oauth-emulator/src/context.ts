import type { IdTokenIssuer } from './id-token.js';
import type { LoginState } from './login-state.js';
import type { RestState } from './rest-state.js';
import type { EmulatorState } from './state.js';

/** Everything a handler needs besides the request: the org's memory and the URLs it answers as. */
export interface EmulatorContext {
  state: EmulatorState;
  /** The emulator's own URL, no trailing slash. */
  baseUrl: string;
  /** The Experience Cloud site paths served besides the root, e.g. `'/partners'` (no trailing slash). */
  sites: ReadonlySet<string>;
  /** `instance_url` in token responses and the base of identity `urls`. */
  instanceUrl: string;
  /** Base of the identity URL (`id`), like `https://login.salesforce.com`. */
  identityBaseUrl: string;
  /** Signs id_tokens; its keyring is what `/id/keys` publishes. */
  idTokens: IdTokenIssuer;
  /**
   * `interactive`: authorize goes through the login and approval pages. Without it the server
   * answers the pages' paths 404 and authorize approves headlessly.
   */
  interactive: boolean;
  /** The login and approval pages' memory (empty unless `interactive`). */
  login: LoginState;
  /** `restApi`: the REST API resources are served. Without it the server answers their paths 404. */
  restApi: boolean;
  /** The REST API resources' memory. */
  rest: RestState;
}

import type { LoginState } from './login.js';
import type { RestState } from './rest.js';
import type { EmulatorState } from './state.js';

/** Everything a handler needs besides the request: the org's memory and the URLs it answers as. */
export interface EmulatorContext {
  state: EmulatorState;
  /** The emulator's own URL, no trailing slash. */
  baseUrl: string;
  /** `instance_url` in token responses and the base of identity `urls`. */
  instanceUrl: string;
  /** Base of the identity URL (`id`), like `https://login.salesforce.com`. */
  identityBaseUrl: string;
  /** The login and approval pages' memory; `undefined` when authorize approves headlessly. */
  login?: LoginState;
  /** The REST API resources' memory; `undefined` when they are not served. */
  rest?: RestState;
}

/** The identity URL Salesforce puts in `id`: always 18-character ids, never a site prefix. */
export function identityUrl(context: EmulatorContext, orgId: string, userId: string): string {
  return `${context.identityBaseUrl}/id/${orgId}/${userId}`;
}

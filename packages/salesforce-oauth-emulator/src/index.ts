/**
 * A local Salesforce OAuth 2.0 and OpenID Connect server (authorize, token, revoke, identity,
 * userinfo, id_tokens, `/id/keys`, discovery) for tests and demos. Optionally with Salesforce's
 * login and approval pages (`interactive`) and a few REST API resources (`restApi`).
 */
import { startEmulatorServer } from './server.js';
import type { EmulatorOptions, RunningEmulator } from './types.js';

// Named, not `export type *`, which TypeScript before 5.0 cannot read in a declaration file.
export type {
  EmulatorConnectedApp,
  EmulatorEndpoint,
  EmulatorFault,
  EmulatorFetch,
  EmulatorOptions,
  EmulatorRequestRecord,
  EmulatorUser,
  IdTokenTweak,
  RefreshTokenPolicy,
  ResolvedUser,
  RunningEmulator,
} from './types.js';
export { DEFAULT_APP_SCOPES, DEFAULT_USER } from './state.js';

/**
 * Starts an emulated Salesforce org on `127.0.0.1` (any free port by default) and resolves once
 * it is listening. Call `close()` on the result when done.
 */
export function startEmulator(options?: EmulatorOptions): Promise<RunningEmulator> {
  return startEmulatorServer(options);
}

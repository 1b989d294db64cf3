import { computeCodeChallenge } from '../../src/pkce.js';
import { startEmulator, type EmulatorConnectedApp, type EmulatorOptions, type RunningEmulator } from 'salesforce-oauth-emulator';
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { Browser } from './browser.js';

export const CLIENT_ID = '3MVG9emulated.public.client';
// Shaped like a Salesforce consumer secret: 64 hex digits.
export const CLIENT_SECRET = 'E3F1C0D2A9B87F14C6D83E0B5A2F9C4D7E61B0A3C5D8F2E49B7A6C1D0E3F5A28';

export interface Fixture {
  emulator: RunningEmulator;
  app: TestApp;
  browser(): Browser;
  close(): Promise<void>;
}

export interface FixtureOptions {
  emulator?: EmulatorOptions;
  /** Connected App fields besides clientId and redirectUris. */
  connectedApp?: Partial<EmulatorConnectedApp>;
  app?: Omit<TestAppOptions, 'strategy'> & { strategy?: Partial<TestAppOptions['strategy']> };
  /** Path of the login base below the emulator (an Experience Cloud site). */
  sitePath?: string;
}

/** An emulator and a real Express app wired to it, with the app's callback registered. */
export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  // The site path is one the emulated org serves, as an Experience Cloud site would be.
  const sites = options.sitePath === undefined ? {} : { sites: [options.sitePath] };
  const emulator = await startEmulator({ ...sites, ...options.emulator });
  const app = await startTestApp({
    ...options.app,
    strategy: { clientID: CLIENT_ID, loginURL: `${emulator.url}${options.sitePath ?? ''}`, ...options.app?.strategy },
  });
  emulator.addApp({ clientId: CLIENT_ID, redirectUris: [`${app.url}/auth/salesforce/callback`], ...options.connectedApp });
  return {
    emulator,
    app,
    browser: () => new Browser(app.url),
    close: async () => {
      await app.close();
      await emulator.close();
    },
  };
}

/** The pending logins in a session, as `/me` shows them. */
export function pendingLogins(
  session: Record<string, unknown> | null,
  key = 'salesforce-pkce:salesforce',
): Record<string, StoredPendingLogin> {
  return (session?.[key] ?? {}) as Record<string, StoredPendingLogin>;
}

/** A pending login as the session holds it (see PendingLogin in src/pending-logins.ts). */
export interface StoredPendingLogin {
  verifier: string;
  createdAt: number;
  state?: unknown;
  nonce?: string;
  loginURL?: string;
}

export { computeCodeChallenge };

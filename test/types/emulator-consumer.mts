// The emulator's types, as a test suite of a TypeScript site uses them. No top-level await, so
// the same file compiles as CommonJS (node10) and as ESM.
import { startEmulator, type EmulatorConnectedApp, type RunningEmulator } from 'salesforce-oauth-emulator';

const connectedApp: EmulatorConnectedApp = { clientId: 'key', redirectUris: ['http://127.0.0.1:3000/auth/salesforce/callback'] };

export async function emulatorUrl(): Promise<string> {
  const emulator: RunningEmulator = await startEmulator({ apps: [connectedApp] });
  const url: string = emulator.url;
  await emulator.close();
  return url;
}

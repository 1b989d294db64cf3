// The emulator's types, as a test suite of a TypeScript site uses them.
import { startEmulator, type EmulatorConnectedApp } from 'passport-salesforce-pkce/emulator';

const connectedApp: EmulatorConnectedApp = { clientId: 'key', redirectUris: ['http://127.0.0.1:3000/auth/salesforce/callback'] };
const emulator = await startEmulator({ apps: [connectedApp] });
const url: string = emulator.url;
await emulator.close();

export { url };

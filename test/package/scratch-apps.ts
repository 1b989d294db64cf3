import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installSite, packTarball, versionOf } from '../helpers/scratch.js';

const sources = fileURLToPath(new URL('./scratch/', import.meta.url));

export interface ScratchApps {
  /** A CommonJS site on Express 4: `node cjs-app.cjs` logs in once and prints the outcome. */
  cjsApp: string;
  /** An ESM site on Express 5: `node esm-app.mjs` does the same. */
  esmApp: string;
}

interface Tarballs {
  strategy: string;
  emulator: string;
}

async function scratchApp(dir: string, tarballs: Tarballs, expressVersion: string, entry: string): Promise<string> {
  await installSite(dir, {
    'passport-salesforce-pkce': `file:${tarballs.strategy}`,
    'salesforce-oauth-emulator': `file:${tarballs.emulator}`,
    express: expressVersion,
    'express-session': versionOf('express-session'),
    passport: versionOf('passport'),
  });
  for (const file of ['drive-login.cjs', entry]) await copyFile(join(sources, file), join(dir, file));
  return dir;
}

/**
 * Packs the strategy and the emulator as npm would publish them and installs both tarballs into
 * two scratch apps in `scratch`, each with the versions this repository tests with.
 */
export async function installScratchApps(scratch: string): Promise<ScratchApps> {
  const tarballs = { strategy: await packTarball(scratch), emulator: await packTarball(scratch, 'salesforce-oauth-emulator') };
  const [cjsApp, esmApp] = await Promise.all([
    scratchApp(join(scratch, 'cjs-app'), tarballs, versionOf('express4'), 'cjs-app.cjs'),
    scratchApp(join(scratch, 'esm-app'), tarballs, versionOf('express'), 'esm-app.mjs'),
  ]);
  return { cjsApp, esmApp };
}

/** What a scratch app prints after a successful login with `openid`. */
export function loggedIn(express: '4' | '5', user: Record<string, unknown>, node = process.version): Record<string, unknown> {
  return { node, express, status: 200, body: { user }, keysFetched: 1 };
}

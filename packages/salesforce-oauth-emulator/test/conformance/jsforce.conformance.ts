/**
 * jsforce (pinned, current; it fetches with undici and needs Node 22) against the emulator over
 * HTTPS: the README's jsforce recipe as written, and an app's first session driven through the
 * emulator's pages the way jsforce's own browser-login test helper drives a real org's (the login
 * page recognised by `/?ec=302` in its URL, the `[name=Login]` button, `#oaapprove`).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { run } from '../../../../test/helpers/scratch.js';
import { CLIENT_VERSIONS, installClients, launchChromium, workDir, type Clients } from './clients.js';

let clients: Clients;
let dir = '';

beforeAll(async () => {
  clients = await installClients();
  dir = await workDir(clients);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The README's fenced block under `heading`, the one marked `<!-- sample: node-test -->`. */
async function readmeSample(heading: string): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const match = /<!-- sample: node-test -->\n```js\n([\s\S]*?)\n```/.exec(section);
  if (match?.[1] === undefined) throw new Error(`no node-test sample under ${heading}`);
  return `${match[1]}\n`;
}

describe(`jsforce ${CLIENT_VERSIONS.jsforce}`, () => {
  it('runs the README’s jsforce recipe as written', async () => {
    await writeFile(join(dir, 'jsforce.test.mjs'), await readmeSample('### jsforce'));
    const { stdout } = await run(clients.node, ['--test', '--test-reporter=tap', 'jsforce.test.mjs'], { cwd: dir });
    expect(stdout).toContain('# pass 2\n');
    expect(stdout).toContain('# fail 0\n');
  });

  describe('an app’s first session, logged in through the pages as jsforce’s browser-login helper does it', () => {
    let emulator: RunningEmulator;
    let browser: Browser;
    /** The app's callback: a page that answers anything, as the helper's request interception does. */
    let callbackServer: Server;
    let redirectUri = '';

    beforeAll(async () => {
      callbackServer = createServer((_request, response) => response.end('<html></html>'));
      await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
      redirectUri = `http://localhost:${(callbackServer.address() as AddressInfo).port}/oauth/callback`;
      emulator = await startEmulator({
        https: true,
        interactive: true,
        restApi: true,
        users: [{ username: 'ada@example.com', password: 'analytical', firstName: 'Ada', lastName: 'Lovelace' }],
        apps: [{ clientId: 'jsforce-app', clientSecret: 'jsforce-secret', redirectUris: [redirectUri] }],
      });
      await writeFile(join(dir, 'ca.pem'), emulator.ca ?? '');
      await copyFile(new URL('clients/jsforce-session.mjs', import.meta.url), join(dir, 'jsforce-session.mjs'));
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await emulator?.close();
      callbackServer?.close();
    });

    /** The helper's loop: approve on the approval page, log in on `/?ec=302`, stop at the localhost callback. */
    async function loginAndApprove(page: Page): Promise<string> {
      for (let step = 0; step < 10; step++) {
        const url = page.url();
        if (url.includes('/setup/secur/RemoteAccessAuthorizationPage.apexp')) {
          await Promise.all([page.waitForNavigation(), page.click('#oaapprove')]);
        } else if (url.includes('/?ec=302')) {
          await page.fill('#username', 'ada@example.com');
          await page.fill('#password', 'analytical');
          await Promise.all([page.waitForNavigation(), page.click('[name=Login]')]);
        } else if (url.startsWith('http://localhost')) {
          return url;
        } else {
          throw new Error(`the helper would wait forever on ${url}`);
        }
      }
      throw new Error('no callback after 10 pages');
    }

    it('logs in with PKCE, queries, describes, retrieves, reads limits, refreshes and logs out', async () => {
      const child = spawn(clients.node, ['jsforce-session.mjs', emulator.url, join(dir, 'ca.pem'), redirectUri], { cwd: dir });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const authorizationUrl = (await lines.next()).value as string;

      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(authorizationUrl);
      child.stdin.end(`${await loginAndApprove(page)}\n`);
      await context.close();
      const { value } = await lines.next();
      expect(stderr).toBe('');
      const session = JSON.parse(value as string) as Record<string, { ok?: unknown; error?: { errorCode?: string; message?: string } }>;

      const [ada] = emulator.users;
      expect(session['identity']?.ok).toMatchObject({ username: 'ada@example.com', user_id: ada?.userId });
      expect(session['query']?.ok).toMatchObject({
        totalSize: 1,
        records: [{ Id: ada?.userId, Name: 'Ada Lovelace', Profile: { Name: 'Standard User' } }],
      });
      // Sforce-Limit-Info, read by jsforce into limitInfo.
      expect(session['limitInfo']).toEqual({ apiUsage: { used: 1, limit: 15_000 } });
      expect(session['describeGlobal']?.ok).toEqual(['Organization', 'Profile', 'User']);
      expect(session['describe']?.ok).toContain('ProfileId');
      expect(session['retrieve']?.ok).toMatchObject({ Id: ada?.userId, Username: 'ada@example.com' });
      expect(session['limits']?.ok).toMatchObject({ Max: 15_000 });
      expect(session['search']?.error).toMatchObject({ errorCode: 'NOT_EMULATED' });
      expect(session['refresh']?.ok).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type']);
      expect(session['afterLogout']?.error).toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
      expect(emulator.requestsTo('revoke')).toHaveLength(1);
    });
  });
});

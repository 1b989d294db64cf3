/**
 * nforce (pinned, current) against the emulator over HTTPS. nforce makes its requests with the
 * `request` library and offers no CA option, so the emulator's CA is given the way Node offers for
 * every client: a file named by NODE_EXTRA_CA_CERTS when the process starts.
 */
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { run } from '../../../../test/helpers/scratch.js';
import { CLIENT_VERSIONS, installClients, workDir, type Clients } from './clients.js';

const REDIRECT_URI = 'http://localhost:3000/oauth/callback';
let clients: Clients;
let dir = '';
let emulator: RunningEmulator;

beforeAll(async () => {
  clients = await installClients();
  dir = await workDir(clients);
  emulator = await startEmulator({
    https: true,
    restApi: true,
    users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }],
    // nforce sends no PKCE: an app that does not require it, as older Connected Apps.
    apps: [{ clientId: 'nforce-app', clientSecret: 'nforce-secret', redirectUris: [REDIRECT_URI], requirePkce: false }],
  });
  await writeFile(join(dir, 'ca.pem'), emulator.ca ?? '');
  await copyFile(new URL('clients/nforce-session.cjs', import.meta.url), join(dir, 'nforce-session.cjs'));
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`nforce ${CLIENT_VERSIONS.nforce}`, () => {
  it('logs in, reads the identity, queries, describes, reads limits and refreshes', async () => {
    const { stdout, stderr } = await run(clients.node, ['nforce-session.cjs', emulator.url, REDIRECT_URI], {
      cwd: dir,
      env: { PATH: process.env['PATH'], NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') },
    });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      authenticate: { ok: ['access_token', 'id', 'instance_url', 'issued_at', 'refresh_token', 'scope', 'signature', 'token_type'] },
      identity: { ok: 'ada@example.com' },
      query: { ok: [['Ada Lovelace', 'Standard User']] },
      sobjects: { ok: ['Organization', 'Profile', 'User'] },
      describe: { ok: 'User' },
      limits: { ok: 15_000 },
      search: {
        error: {
          errorCode: 'NOT_EMULATED',
          statusCode: 501,
          message:
            "The resource '/services/data/v62.0/search' is not emulated by salesforce-oauth-emulator, which serves: limits, query, sobjects (Organization, Profile, User) and the front door. Test this call against a Salesforce org.",
        },
      },
      refresh: { ok: true },
      afterRefresh: { ok: 1 },
    });
  });
});

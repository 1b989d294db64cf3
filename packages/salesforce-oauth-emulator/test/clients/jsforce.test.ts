// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
/**
 * Conformance: jsforce 3, Salesforce's own Node client, runs its normal flows against the
 * emulator, over HTTP and over HTTPS. A change that breaks one of these is a fidelity bug.
 */
import { globalAgent } from 'node:https';
import { Connection, OAuth2 } from 'jsforce';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/index.js';
import { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, TRANSPORTS, confidentialApp, followAuthorize } from '../helpers.js';

describe.each(TRANSPORTS)('jsforce 3 over $transport', ({ https }) => {
  let emulator: RunningEmulator;

  beforeEach(async () => {
    emulator = await startEmulator({
      https,
      restApi: true,
      apps: [confidentialApp()],
      users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }],
    });
    // jsforce makes its requests with node-fetch on Node's global agent: that is where a test
    // trusts the emulator's CA, as an app would with NODE_EXTRA_CA_CERTS.
    if (https) globalAgent.options.ca = emulator.ca;
  });

  afterEach(async () => {
    await emulator.close();
  });

  afterAll(() => {
    delete globalAgent.options.ca;
  });

  /** jsforce's web server flow: authorize with its own PKCE, then `conn.authorize(code)`. */
  async function logIn(options: { rotate?: boolean } = {}): Promise<Connection> {
    if (options.rotate === true) emulator.addApp(confidentialApp({ rotateRefreshTokens: true }));
    const oauth2 = new OAuth2({
      loginUrl: emulator.url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT_URI,
      useVerifier: true,
    });
    const callback = await followAuthorize(emulator, oauth2.getAuthorizationUrl({ scope: 'api refresh_token', state: 'jsforce-state' }));
    expect(callback.searchParams.get('state')).toBe('jsforce-state');
    const conn = new Connection({ oauth2 });
    await conn.authorize(callback.searchParams.get('code') ?? '');
    return conn;
  }

  it('logs in with PKCE as jsforce does it (171-character verifier, no method: S256, §3.2) and reads the identity URL (§6)', async () => {
    const conn = await logIn();
    const ada = emulator.users[0];
    expect(conn.userInfo).toEqual({
      id: ada?.userId,
      organizationId: emulator.orgId,
      url: `${emulator.url}/id/${emulator.orgId}/${ada?.userId}`,
    });
    expect(conn.instanceUrl).toBe(emulator.url);
    expect(conn.refreshToken).toMatch(/^5Aep861/);
    expect(emulator.requestsTo('authorize')[0]?.query).not.toHaveProperty('code_challenge_method');
    expect(emulator.requestsTo('token')[0]?.body['code_verifier']).toHaveLength(171);

    const identity = await conn.identity();
    expect(identity).toMatchObject({
      username: 'ada@example.com',
      display_name: 'Ada Lovelace',
      user_id: ada?.userId,
      organization_id: emulator.orgId,
    });
    expect(emulator.requestsTo('identity')[0]?.query['format']).toBe('json');
  });

  it('runs a SOQL query, retrieves a record and reads the limits', async () => {
    const conn = await logIn();
    const ada = emulator.users[0];
    const result = await conn.query<{ Id: string; Name: string }>('SELECT Id, Name FROM User');
    expect(result.totalSize).toBe(1);
    expect(result.done).toBe(true);
    expect(result.records.map(({ Id, Name }) => ({ Id, Name }))).toEqual([{ Id: ada?.userId, Name: 'Ada Lovelace' }]);
    expect(await conn.sobject('User').retrieve(ada?.userId ?? '')).toMatchObject({ Username: 'ada@example.com', IsActive: true });
    expect((await conn.limits()).DailyApiRequests?.Max).toBe(15_000);
  });

  it('refreshes by itself once the session times out, and carries on (§4.2, §5)', async () => {
    const conn = await logIn();
    const refreshed: string[] = [];
    conn.on('refresh', (accessToken: string) => refreshed.push(accessToken));
    const before = conn.accessToken;
    emulator.advanceClock(7201);
    const result = await conn.query('SELECT Id FROM User');
    expect(result.totalSize).toBe(1);
    expect(refreshed).toHaveLength(1);
    expect(conn.accessToken).toBe(refreshed[0]);
    expect(conn.accessToken).not.toBe(before);
    expect(emulator.requestsTo('rest').map((request) => request.path)).toEqual([
      '/services/data/v50.0/query',
      '/services/data/v50.0/query',
    ]);
  });

  it('keeps refreshing under rotation when the app stores the rotated refresh token (§5)', async () => {
    const conn = await logIn({ rotate: true });
    conn.on('refresh', (_accessToken: string, response: { refresh_token?: string }) => {
      if (response.refresh_token !== undefined) conn.refreshToken = response.refresh_token;
    });
    for (let round = 0; round < 3; round++) {
      emulator.advanceClock(7201);
      expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(1);
    }
    expect(emulator.requestsTo('token').filter((request) => request.body['grant_type'] === 'refresh_token')).toHaveLength(3);
  });

  it('fails under rotation when the rotated refresh token is not stored: the reuse revokes the family (§5)', async () => {
    const conn = await logIn({ rotate: true });
    emulator.advanceClock(7201);
    await conn.query('SELECT Id FROM User');
    emulator.advanceClock(7201);
    await expect(conn.query('SELECT Id FROM User')).rejects.toThrow(
      new Error('Unable to refresh session due to: expired access/refresh token'),
    );
  });

  it('revokes the refresh token at logout: the tokens of the grant stop working (§8)', async () => {
    const conn = await logIn();
    const { accessToken, refreshToken } = conn;
    await conn.logout(true);
    expect(emulator.requestsTo('revoke')[0]?.body['token']).toBe(refreshToken);
    const stale = new Connection({ instanceUrl: emulator.url, accessToken: accessToken ?? '' });
    await expect(stale.query('SELECT Id FROM User')).rejects.toMatchObject({ errorCode: 'INVALID_SESSION_ID' });
    const oauth2 = new OAuth2({ loginUrl: emulator.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
    await expect(oauth2.refreshToken(refreshToken ?? '')).rejects.toMatchObject({
      name: 'invalid_grant',
      message: 'expired access/refresh token',
    });
  });

  it('cannot refresh once the user is deactivated: authentication failure (§4.4, §5)', async () => {
    const conn = await logIn();
    emulator.deactivateUser('ada@example.com');
    await expect(conn.query('SELECT Id FROM User')).rejects.toThrow(new Error('Unable to refresh session due to: authentication failure'));
  });
});

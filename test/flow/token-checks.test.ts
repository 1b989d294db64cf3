import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorFault } from 'salesforce-oauth-emulator';
import type { SalesforceVerifyFunctionWithParams } from '../../src/types.js';
import { CLIENT_ID, CLIENT_SECRET, startFixture, type Fixture, type FixtureOptions } from '../helpers/fixture.js';
import { startTokenProxy, type TokenProxy } from '../helpers/token-proxy.js';

/**
 * What the strategy checks in Salesforce's token response after the code exchange, before any
 * further request is made with the access token.
 */

let fixture: Fixture | undefined;
let proxy: TokenProxy | undefined;

afterEach(async () => {
  await fixture?.close();
  await proxy?.close();
  fixture = undefined;
  proxy = undefined;
});

async function start(options: FixtureOptions = {}): Promise<Fixture> {
  fixture = await startFixture({ ...options, app: { ...options.app, strategy: { requestTimeout: 500, ...options.app?.strategy } } });
  return fixture;
}

/** Makes the token endpoint answer 200 with the emulator's usual fields, `fields` overriding them. */
function serveToken(f: Fixture, fields: Record<string, unknown>): void {
  const { emulator } = f;
  const body = {
    access_token: '00D5g000004EmUl!AQ0AQServed.access.token',
    id: `${emulator.url}/id/${emulator.orgId}/${emulator.users[0]?.userId}`,
    instance_url: emulator.url,
    token_type: 'Bearer',
    issued_at: String(Date.now()),
    ...fields,
  };
  emulator.setFault('token', { kind: 'status', status: 200, body: JSON.stringify(body), contentType: 'application/json;charset=UTF-8' });
}

describe('instance_url', () => {
  it.each([
    ['a script URL', { instance_url: 'javascript:alert(1)' }],
    [
      'a foreign host that would also have widened the identity check',
      { instance_url: 'https://evil.example', id: 'https://evil.example/id/00D5g000004EmUlEAK/0055g00000AdaAAAAA' },
    ],
    ['plain http on a Salesforce host', { instance_url: 'http://acme.my.salesforce.com' }],
    ['a Lightning Experience host, where the org runs components', { instance_url: 'https://acme.lightning.force.com' }],
    ['a Visualforce host', { instance_url: 'https://acme--c.vf.force.com' }],
    ['a name on salesforce.com shaped like an instance', { instance_url: 'https://shop99.salesforce.com' }],
    ['not a string', { instance_url: ['https://acme.my.salesforce.com'] }],
  ])('fails the login on %s, before the access token goes anywhere', async (_label, fields) => {
    const f = await start();
    serveToken(f, fields);
    const response = await f.browser().login();
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({
      outcome: 'error',
      name: 'SalesforceResponseError',
      code: 'SALESFORCE_RESPONSE_ERROR',
      message: 'Salesforce token request failed: HTTP 200, the instance_url is not an https URL of a Salesforce host',
    });
    expect(f.app.verifyCalls).toHaveLength(0);
    expect(f.emulator.requestsTo('identity')).toHaveLength(0);
  });

  it('hands a Salesforce instance_url to the profile and params', async () => {
    const f = await start({ app: { strategy: { skipUserProfile: true } } });
    serveToken(f, { instance_url: 'https://acme.my.salesforce.com' });
    expect((await f.browser().login()).body.outcome).toBe('success');
    expect(f.app.verifyCalls[0]?.params.instance_url).toBe('https://acme.my.salesforce.com');
    expect(f.app.verifyCalls[0]?.profile.instanceUrl).toBe('https://acme.my.salesforce.com');
  });
});

describe('identity URL', () => {
  it.each([
    ['an Experience Cloud site of another org', 'https://evil.my.site.com'],
    ['a Salesforce file host, where customers publish content', 'https://acme.file.force.com'],
    ['another My Domain', 'https://other.my.salesforce.com'],
  ])('is refused on %s, with no request', async (_label, origin) => {
    const f = await start();
    serveToken(f, { id: `${origin}/id/00D5g000004EmUlEAK/0055g00000AdaAAAAA` });
    const response = await f.browser().login();
    expect(response.body).toMatchObject({
      outcome: 'error',
      name: 'IdentityOriginError',
      message: `The identity URL's origin ${origin} does not belong to this Salesforce login; it was not fetched`,
    });
    expect(f.app.verifyCalls).toHaveLength(0);
  });
});

describe('identity document', () => {
  it("fails the login when it describes another user than the token response's id", async () => {
    const f = await start();
    const { emulator } = f;
    const id = `${emulator.url}/id/${emulator.orgId}/${emulator.users[0]?.userId}`;
    const other = {
      id: `${emulator.url}/id/${emulator.orgId}/0055g00000OthErAAA`,
      user_id: '0055g00000OthErAAA',
      organization_id: emulator.orgId,
      username: 'eve@example.com',
    };
    emulator.setFault('identity', { kind: 'status', status: 200, body: JSON.stringify(other), contentType: 'application/json' });
    const response = await f.browser().login();
    expect(response.body).toMatchObject({
      outcome: 'error',
      name: 'SalesforceResponseError',
      message: "Salesforce identity request failed: HTTP 200, the identity is another user than the token response's id",
    });
    expect(f.app.verifyCalls).toHaveLength(0);
    expect(emulator.requestsTo('identity')[0]?.path).toBe(new URL(id).pathname);
  });
});

describe('a login that fails after the code exchange', () => {
  /** An app whose token requests pass through a proxy that records what Salesforce issued. */
  async function startProxied(
    options: { confidential?: boolean; requestTimeout?: number; scope?: string[] } = {},
  ): Promise<{ f: Fixture; p: TokenProxy }> {
    const p = (proxy = await startTokenProxy());
    const secret = options.confidential ? { clientSecret: CLIENT_SECRET } : {};
    const f = await start({
      app: {
        strategy: {
          ...secret,
          scope: options.scope ?? ['openid', 'api', 'refresh_token'],
          tokenURL: p.tokenURL,
          requestTimeout: options.requestTimeout ?? 500,
        },
      },
      connectedApp: secret,
    });
    p.target = f.emulator.url;
    return { f, p };
  }

  /** Whether a refresh token still works at the emulator. */
  async function refreshStatus(f: Fixture, refreshToken: string): Promise<number> {
    const response = await fetch(`${f.emulator.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      }),
    });
    return response.status;
  }

  it.each<[string, boolean, (f: Fixture, p: TokenProxy) => void, string]>([
    [
      'a signature that does not match',
      true,
      (_f, p) => {
        p.tamper = (answer) => ({ ...answer, signature: Buffer.alloc(32).toString('base64') });
      },
      'TOKEN_SIGNATURE_MISMATCH',
    ],
    [
      'an instance_url the strategy refuses',
      false,
      (_f, p) => {
        p.tamper = (answer) => ({ ...answer, instance_url: 'javascript:alert(1)' });
      },
      'SALESFORCE_RESPONSE_ERROR',
    ],
    [
      'an id_token that fails its checks',
      false,
      (f) => f.emulator.setIdTokenTweak({ claims: { aud: 'another-client' } }),
      'ID_TOKEN_INVALID',
    ],
    [
      'keys that cannot be fetched',
      false,
      (f) => f.emulator.setFault('keys', { kind: 'status', status: 503, body: 'Service Unavailable' }),
      'SALESFORCE_RESPONSE_ERROR',
    ],
    [
      'an identity URL outside the login',
      false,
      (_f, p) => {
        p.tamper = (answer) => ({ ...answer, id: `https://evil.my.site.com/id/${String(answer.id).split('/id/')[1]}` });
      },
      'IDENTITY_ORIGIN_REJECTED',
    ],
    [
      'an identity request that fails',
      false,
      (f) => f.emulator.setFault('identity', { kind: 'status', status: 503, body: 'Service Unavailable' }),
      'SALESFORCE_RESPONSE_ERROR',
    ],
  ])('%s: the tokens Salesforce issued are revoked, not left valid and unknown', async (_label, confidential, breakIt, code) => {
    const { f, p } = await startProxied({ confidential });
    breakIt(f, p);
    const response = await f.browser().login();
    expect(response.body).toMatchObject({ outcome: 'error', code });
    expect(f.app.verifyCalls).toHaveLength(0);
    const issued = p.issued[0] ?? {};
    expect(f.emulator.requestsTo('revoke').map((request) => request.body)).toEqual([{ token: issued.refresh_token }]);
    f.emulator.clearFaults();
    expect(await refreshStatus(f, String(issued.refresh_token))).toBe(400);
    const identity = await fetch(String(issued.id), { headers: { authorization: `Bearer ${String(issued.access_token)}` } });
    expect(identity.status).toBe(403);
  });

  it.each<[string, SalesforceVerifyFunctionWithParams, Record<string, unknown>]>([
    [
      'refuses the user (done(null, false))',
      (_a, _r, _p, _profile, done) => done(null, false, { message: 'not invited' }),
      { outcome: 'failure', info: { message: 'not invited' } },
    ],
    [
      'calls back with an error',
      (_a, _r, _p, _profile, done) => done(new Error('user table down')),
      { outcome: 'error', message: 'user table down' },
    ],
    [
      'throws',
      () => {
        throw new Error('verify threw');
      },
      { outcome: 'error', message: 'verify threw' },
    ],
    [
      'rejects (async)',
      (() => Promise.reject(new Error('verify rejected'))) as unknown as SalesforceVerifyFunctionWithParams,
      { outcome: 'error', message: 'verify rejected' },
    ],
  ])('the verify callback %s: the tokens it was given are revoked before the login ends', async (_label, verify, outcome) => {
    const p = (proxy = await startTokenProxy());
    const f = await start({
      app: {
        verify,
        strategy: { clientSecret: CLIENT_SECRET, scope: ['api', 'refresh_token'], tokenURL: p.tokenURL, requestTimeout: 500 },
      },
      connectedApp: { clientSecret: CLIENT_SECRET },
    });
    p.target = f.emulator.url;
    expect((await f.browser().login()).body).toMatchObject(outcome);
    const issued = p.issued[0] ?? {};
    expect(f.emulator.requestsTo('revoke').map((request) => request.body)).toEqual([{ token: issued.refresh_token }]);
    expect(await refreshStatus(f, String(issued.refresh_token))).toBe(400);
  });

  it('waits for the revocation at most requestTimeout, and reports the failed check', async () => {
    const { f, p } = await startProxied({ confidential: true, requestTimeout: 300 });
    p.tamper = (answer) => ({ ...answer, signature: Buffer.alloc(32).toString('base64') });
    f.emulator.setFault('revoke', { kind: 'hang' } satisfies EmulatorFault);
    const started = Date.now();
    const response = await f.browser().login();
    expect(response.body).toMatchObject({ outcome: 'error', code: 'TOKEN_SIGNATURE_MISMATCH' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(f.emulator.requestsTo('revoke')).toHaveLength(1);
  });

  it('revokes the access token when no refresh token was issued', async () => {
    const { f, p } = await startProxied({ confidential: true, scope: ['openid', 'api'] });
    p.tamper = (answer) => ({ ...answer, signature: Buffer.alloc(32).toString('base64') });
    expect((await f.browser().login()).body).toMatchObject({ outcome: 'error', code: 'TOKEN_SIGNATURE_MISMATCH' });
    const issued = p.issued[0] ?? {};
    expect(issued.refresh_token).toBeUndefined();
    expect(f.emulator.requestsTo('revoke').map((request) => request.body)).toEqual([{ token: issued.access_token }]);
    expect((await fetch(String(issued.id), { headers: { authorization: `Bearer ${String(issued.access_token)}` } })).status).toBe(403);
  });
});

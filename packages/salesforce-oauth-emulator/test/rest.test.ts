// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { apiVersions } from '../src/rest.js';
import { confidentialApp, login, postForm } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    restApi: true,
    sites: ['/partners'],
    apps: [confidentialApp()],
    users: [
      { username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
      { username: 'grace@example.com', lastName: 'Hopper' },
    ],
  });
});

afterEach(async () => {
  await emulator.close();
});

async function get(path: string, token?: string): Promise<{ status: number; contentType: string | null; body: unknown; text: string }> {
  const response = await fetch(`${emulator.url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), body, text };
}

const INVALID_SESSION = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

describe('REST API resources', () => {
  it('lists the API versions without a token, as Salesforce does', async () => {
    for (const path of ['/services/data', '/services/data/']) {
      const result = await get(path);
      expect(result.status).toBe(200);
      const versions = result.body as Array<{ label: string; url: string; version: string }>;
      expect(versions[0]).toEqual({ label: "Summer '14", url: '/services/data/v31.0', version: '31.0' });
      expect(versions.at(-1)).toEqual({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
    }
    expect(apiVersions().find((v) => v.version === '62.0')?.label).toBe("Winter '25");
    expect(emulator.requestsTo('rest')).toHaveLength(2);
  });

  it('answers 401 INVALID_SESSION_ID without a token, with an unknown one, and with a revoked one', async () => {
    expect(await get('/services/data/v66.0/')).toMatchObject({ status: 401, body: INVALID_SESSION });
    expect(await get('/services/data/v66.0/', '00D!nope')).toMatchObject({ status: 401, body: INVALID_SESSION });
    const tokens = await login(emulator);
    expect((await get('/services/data/v66.0/', tokens['access_token'])).status).toBe(200);
    await postForm(emulator, '/services/oauth2/revoke', { token: tokens['access_token'] });
    expect(await get('/services/data/v66.0/', tokens['access_token'])).toMatchObject({ status: 401, body: INVALID_SESSION });
  });

  it('refuses a token without the api scope', async () => {
    const tokens = await login(emulator, { scope: 'id refresh_token' });
    expect(await get('/services/data/v66.0/', tokens['access_token'])).toMatchObject({
      status: 401,
      body: [{ message: 'This session is not valid for use with the REST API', errorCode: 'INVALID_SESSION_ID' }],
    });
  });

  it('lists a version’s resources, and 404s an unknown version or resource', async () => {
    const { access_token: token, id } = await login(emulator);
    expect(await get('/services/data/v59.0/', token)).toMatchObject({
      status: 200,
      body: {
        limits: '/services/data/v59.0/limits',
        sobjects: '/services/data/v59.0/sobjects',
        query: '/services/data/v59.0/query',
        identity: id,
      },
    });
    for (const path of ['/services/data/v99.0/', '/services/data/v30.0/', '/services/data/latest/', '/services/data/v66.0/nothing']) {
      expect(await get(path, token)).toMatchObject({ status: 404, body: [{ errorCode: 'NOT_FOUND' }] });
    }
  });

  it('counts API requests in limits', async () => {
    const { access_token: token } = await login(emulator);
    const remaining = async (): Promise<number> =>
      ((await get('/services/data/v66.0/limits', token)).body as { DailyApiRequests: { Remaining: number } }).DailyApiRequests.Remaining;
    const before = await remaining();
    expect(before).toBe(15_000);
    await get('/services/data/v66.0/', token);
    await get('/services/data/v66.0/sobjects/User/005000000000000AAA', token);
    expect(await remaining()).toBe(before - 2);
  });

  it('reads a User record by 18- or 15-character id, with optional fields', async () => {
    const { access_token: token } = await login(emulator);
    const ada = emulator.users[0];
    const full = await get(`/services/data/v66.0/sobjects/User/${ada?.userId}`, token);
    expect(full.body).toEqual({
      attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${ada?.userId}` },
      Id: ada?.userId,
      Username: 'ada@example.com',
      LastName: 'Lovelace',
      FirstName: 'Ada',
      Name: 'Ada Lovelace',
      Email: 'ada@example.com',
      IsActive: true,
      UserType: 'Standard',
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
    });
    const some = await get(`/services/data/v66.0/sobjects/User/${ada?.userId.slice(0, 15)}?fields=name,Username`, token);
    expect(some.body).toEqual({
      attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${ada?.userId}` },
      Name: 'Ada Lovelace',
      Username: 'ada@example.com',
    });
    expect(await get(`/services/data/v66.0/sobjects/User/${ada?.userId}?fields=Salary`, token)).toMatchObject({
      status: 400,
      body: [{ errorCode: 'INVALID_FIELD', message: "No such column 'Salary' on entity 'User'." }],
    });
    expect((await get('/services/data/v66.0/sobjects/User/005000000000000AAA', token)).status).toBe(404);
  });

  it('answers only GET', async () => {
    const { access_token: token } = await login(emulator);
    const response = await fetch(`${emulator.url}/services/data/v66.0/`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(405);
  });

  it('serves the profile photo from the identity document to a Bearer token only', async () => {
    const tokens = await login(emulator);
    const identity = (await (
      await fetch(tokens['id'] ?? '', { headers: { authorization: `Bearer ${tokens['access_token']}` } })
    ).json()) as {
      photos: { picture: string };
    };
    const photo = new URL(identity.photos.picture).pathname;
    const ok = await get(photo, tokens['access_token']);
    expect(ok.status).toBe(200);
    expect(ok.contentType).toBe('image/svg+xml');
    expect(ok.text).toMatch(/^<svg /);
    expect((await get(photo)).status).toBe(401);
  });

  it('is served under a configured site path too, and not under any other (§1.2)', async () => {
    expect((await get('/partners/services/data/')).status).toBe(200);
    expect(emulator.requestsTo('rest').at(-1)?.path).toBe('/partners/services/data/');
    expect((await get('/elsewhere/services/data/')).status).toBe(404);
  });
});

describe('without restApi (the default)', () => {
  it('serves no REST resources', async () => {
    const plain = await startEmulator();
    try {
      const response = await fetch(`${plain.url}/services/data/`);
      expect(response.status).toBe(404);
      expect(plain.requests.at(-1)?.endpoint).toBe('other');
    } finally {
      await plain.close();
    }
  });
});

describe('the SOQL query resource over the users', () => {
  async function query(soql: string | undefined, token: string | undefined): Promise<{ status: number; body: unknown }> {
    const q = soql === undefined ? '' : `?${new URLSearchParams({ q: soql }).toString()}`;
    const result = await get(`/services/data/v62.0/query${q}`, token);
    return { status: result.status, body: result.body };
  }

  function record(username: string, fields: Record<string, unknown>): Record<string, unknown> {
    const user = emulator.users.find((u) => u.username === username);
    return { attributes: { type: 'User', url: `/services/data/v62.0/sobjects/User/${user?.userId}` }, ...fields };
  }

  it('answers SELECT Id, Name FROM User with every user of the org, in one batch', async () => {
    const { access_token: token } = await login(emulator);
    const [ada, grace] = emulator.users;
    expect(await query('SELECT Id, Name FROM User', token)).toEqual({
      status: 200,
      body: {
        totalSize: 2,
        done: true,
        records: [
          record('ada@example.com', { Id: ada?.userId, Name: 'Ada Lovelace' }),
          record('grace@example.com', { Id: grace?.userId, Name: 'Hopper' }),
        ],
      },
    });
  });

  it('filters with WHERE (=, !=, LIKE, IN, AND, OR), orders, limits, and spells fields as Salesforce does', async () => {
    const { access_token: token } = await login(emulator);
    const username = async (soql: string): Promise<unknown> =>
      ((await query(soql, token)).body as { records: Array<Record<string, unknown>> }).records.map((r) => r['Username']);
    expect(await username("select username from user where Email = 'ADA@example.com'")).toEqual(['ada@example.com']);
    expect(await username("SELECT Username FROM User WHERE LastName != 'Hopper' AND IsActive = true")).toEqual(['ada@example.com']);
    expect(await username("SELECT Username FROM User WHERE Username LIKE 'g%'")).toEqual(['grace@example.com']);
    expect(await username("SELECT Username FROM User WHERE FirstName = null OR Name = 'nobody'")).toEqual(['grace@example.com']);
    expect(await username("SELECT Username FROM User WHERE LastName IN ('Lovelace', 'Hopper') ORDER BY Username DESC LIMIT 1")).toEqual([
      'grace@example.com',
    ]);
    expect((await query('SELECT COUNT() FROM User', token)).body).toEqual({ totalSize: 2, done: true, records: [] });
  });

  it('names the error as Salesforce does: MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE', async () => {
    const { access_token: token } = await login(emulator);
    const error = async (soql: string | undefined): Promise<unknown> => {
      const result = await query(soql, token);
      expect(result.status).toBe(400);
      return (result.body as Array<{ errorCode: string }>)[0]?.errorCode;
    };
    expect(await error(undefined)).toBe('MALFORMED_QUERY');
    expect(await error('SELECT FROM User')).toBe('MALFORMED_QUERY');
    expect(await error('SELECT Id User')).toBe('MALFORMED_QUERY');
    expect(await error("SELECT Id FROM User WHERE Name = 'x' LIMIT many")).toBe('MALFORMED_QUERY');
    expect(await error('SELECT Id FROM User WHERE Name')).toBe('MALFORMED_QUERY');
    expect((await query('SELECT Nickname FROM User', token)).body).toEqual([
      { errorCode: 'INVALID_FIELD', message: "No such column 'Nickname' on entity 'User'." },
    ]);
    expect((await query('SELECT Id FROM Account', token)).body).toEqual([
      { errorCode: 'INVALID_TYPE', message: "sObject type 'Account' is not supported." },
    ]);
  });

  it('needs a live token with the api scope', async () => {
    expect((await query('SELECT Id FROM User', undefined)).status).toBe(401);
    const { access_token: token } = await login(emulator, { scope: 'id' });
    expect((await query('SELECT Id FROM User', token)).status).toBe(401);
  });
});

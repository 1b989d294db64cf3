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

  it('lists a version’s resources, 404s an unknown version, and says a resource it lacks is not emulated (§11.9)', async () => {
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
    for (const path of ['/services/data/v99.0/', '/services/data/v30.0/', '/services/data/latest/']) {
      expect(await get(path, token)).toMatchObject({ status: 404, body: [{ errorCode: 'NOT_FOUND' }] });
    }
    for (const [path, what] of [
      ['/services/data/v66.0/search?q=FIND+%7Bada%7D', "The resource '/services/data/v66.0/search'"],
      ['/services/data/v66.0/tooling/query?q=SELECT+Id+FROM+ApexClass', "The resource '/services/data/v66.0/tooling/query'"],
      ['/services/data/v66.0/sobjects/Account/describe', "The sObject type 'Account'"],
    ] as const) {
      expect(await get(path, token)).toMatchObject({
        status: 501,
        body: [
          {
            errorCode: 'NOT_EMULATED',
            message: `${what} is not emulated by salesforce-oauth-emulator, which serves: limits, query, sobjects (Organization, Profile, User) and the front door. Test this call against a Salesforce org.`,
          },
        ],
      });
    }
  });

  it('sends Sforce-Limit-Info on every answer under a version, not on the versions list (§11.6)', async () => {
    const { access_token: token } = await login(emulator);
    const limitInfo = async (path: string): Promise<string | null> =>
      (await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).headers.get('sforce-limit-info');
    expect(await limitInfo('/services/data/')).toBeNull();
    expect(await limitInfo('/services/data/v66.0/')).toBe('api-usage=1/15000');
    expect(await limitInfo('/services/data/v66.0/query?q=SELECT+Id+FROM+User')).toBe('api-usage=2/15000');
    expect(await limitInfo('/services/data/v66.0/search?q=x')).toBe('api-usage=3/15000');
    expect(await limitInfo('/services/data/v66.0/limits')).toBe('api-usage=3/15000');
  });

  it('reports the documented limits, the API requests counted (§11.6)', async () => {
    const { access_token: token } = await login(emulator);
    const body = (await get('/services/data/v66.0/limits', token)).body as Record<string, { Max: number; Remaining: number }>;
    expect(Object.keys(body).length).toBe(40);
    expect(body['DailyApiRequests']).toEqual({ Max: 15_000, Remaining: 15_000 });
    expect(body['DailyBulkV2QueryJobs']).toEqual({ Max: 10_000, Remaining: 10_000 });
    expect(body['SingleEmail']).toEqual({ Max: 15, Remaining: 15 });
  });

  it('reads a resource path without its trailing slashes, and answers a path of many slashes at once', async () => {
    const { access_token: token } = await login(emulator);
    const limits = (await get('/services/data/v66.0/limits///', token)).body as Record<string, unknown>;
    expect(Object.keys(limits).length).toBe(40);
    const slashes = await get(`/services/data/v66.0${'/'.repeat(15_000)}x`, token);
    expect(slashes.status).toBe(501);
    expect((slashes.body as [{ errorCode: string }])[0].errorCode).toBe('NOT_EMULATED');
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
      ProfileId: expect.stringMatching(/^00e[A-Za-z0-9]{15}$/) as unknown,
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      LanguageLocaleKey: 'en_US',
      CreatedDate: ada?.lastModifiedDate,
      LastModifiedDate: ada?.lastModifiedDate,
    });
    const some = await get(`/services/data/v66.0/sobjects/User/${ada?.userId.slice(0, 15)}?fields=name,Username`, token);
    expect(some.body).toEqual({
      attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${ada?.userId}` },
      Name: 'Ada Lovelace',
      Username: 'ada@example.com',
    });
    expect(await get(`/services/data/v66.0/sobjects/User/${ada?.userId}?fields=Salary`, token)).toMatchObject({
      status: 400,
      body: [
        {
          errorCode: 'INVALID_FIELD',
          message:
            "No such column 'Salary' on entity 'User'. (salesforce-oauth-emulator has only these User fields: Id, Username, LastName, FirstName, Name, Email, IsActive, UserType, ProfileId, TimeZoneSidKey, LocaleSidKey, LanguageLocaleKey, CreatedDate, LastModifiedDate; a field Salesforce has beyond these is not emulated.)",
        },
      ],
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

describe('the front door (§11.7)', () => {
  it('answers singleaccess with a single-use frontdoor_uri, whose page says Salesforce’s own pages are not emulated', async () => {
    const tokens = await login(emulator);
    const single = await fetch(`${emulator.url}/services/oauth2/singleaccess?redirect_uri=%2Flightning%2Fsetup`, {
      headers: { authorization: `Bearer ${tokens['access_token']}` },
    });
    expect(single.status).toBe(200);
    const { frontdoor_uri: uri } = (await single.json()) as { frontdoor_uri: string };
    const url = new URL(uri);
    expect(url.origin + url.pathname).toBe(`${emulator.url}/secur/frontdoor.jsp`);
    expect(url.searchParams.get('startURL')).toBe('/lightning/setup');
    const door = await fetch(uri);
    expect(door.status).toBe(200);
    expect(await door.text()).toContain(
      'This front door link for ada@example.com works. What it opens on Salesforce, its own pages (Setup, Lightning), is not emulated by salesforce-oauth-emulator.',
    );
    const again = await fetch(uri);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('This front door link was already used or has expired.');
  });

  it('needs a live access token', async () => {
    const { access_token: token } = await login(emulator);
    await postForm(emulator, '/services/oauth2/revoke', { token });
    const response = await fetch(`${emulator.url}/services/oauth2/singleaccess`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(INVALID_SESSION);
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
      {
        errorCode: 'INVALID_FIELD',
        message:
          "No such column 'Nickname' on entity 'User'. (salesforce-oauth-emulator has only these User fields: Id, Username, LastName, FirstName, Name, Email, IsActive, UserType, ProfileId, TimeZoneSidKey, LocaleSidKey, LanguageLocaleKey, CreatedDate, LastModifiedDate, and the relationships Profile; a field Salesforce has beyond these is not emulated.)",
      },
    ]);
    expect((await query('SELECT Id FROM Account', token)).body).toEqual([
      {
        errorCode: 'INVALID_TYPE',
        message:
          "sObject type 'Account' is not supported. (salesforce-oauth-emulator serves only Organization, Profile, User; an object Salesforce has beyond these is not emulated.)",
      },
    ]);
  });

  it('answers valid SOQL beyond its subset with NOT_EMULATED, which says so (§11.4)', async () => {
    const { access_token: token } = await login(emulator);
    const answer = async (soql: string): Promise<unknown> => {
      const result = await query(soql, token);
      expect(result.status).toBe(501);
      const [error] = result.body as Array<{ errorCode: string; message: string }>;
      expect(error?.errorCode).toBe('NOT_EMULATED');
      return error?.message.split(' is valid SOQL')[0];
    };
    expect(await answer('SELECT Id, (SELECT Id FROM Contacts) FROM User')).toBe('A subquery');
    expect(await answer('SELECT COUNT(Id) FROM User')).toBe('The function COUNT()');
    expect(await answer('SELECT Name FROM User GROUP BY Name')).toBe('GROUP');
    expect(await answer('SELECT Name FROM User LIMIT 1 OFFSET 1')).toBe('OFFSET');
    expect(await answer("SELECT Name FROM User WHERE (Name = 'a' OR Name = 'b')")).toBe('A parenthesised condition');
    expect(await answer('SELECT Name FROM User WHERE CreatedDate = LAST_N_WEEKS:2')).toBe('The date literal LAST_N_WEEKS:2');
    expect(await answer('SELECT Name FROM User u')).toBe('An alias or clause after FROM (u)');
    expect(((await query('SELECT Name FROM User', token)).body as { totalSize: number }).totalSize).toBe(2);
  });

  it('answers the Organization the Salesforce CLI reads at login (§11.3)', async () => {
    const { access_token: token } = await login(emulator);
    const soql = 'SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization';
    expect((await query(soql, token)).body).toEqual({
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: 'Organization', url: `/services/data/v62.0/sobjects/Organization/${emulator.orgId}` },
          Name: 'Emulated Org',
          InstanceName: 'EMU1',
          IsSandbox: false,
          TrialExpirationDate: null,
          NamespacePrefix: null,
          OrganizationType: 'Developer Edition',
        },
      ],
    });
  });

  it('follows relationship fields and date literals (§11.4)', async () => {
    const { access_token: token } = await login(emulator);
    const body = (
      await query(
        "SELECT Username, Profile.Name FROM User WHERE CreatedDate = LAST_N_DAYS:1 AND Profile.Name = 'Standard User' ORDER BY Username",
        token,
      )
    ).body as { records: Array<Record<string, unknown>> };
    expect(body.records.map((r) => [r['Username'], r['Profile']])).toEqual(
      ['ada@example.com', 'grace@example.com'].map((username) => [
        username,
        {
          attributes: { type: 'Profile', url: expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Profile\/00e/) as unknown },
          Name: 'Standard User',
        },
      ]),
    );
    const count = async (where: string): Promise<number> =>
      ((await query(`SELECT Id FROM User WHERE ${where}`, token)).body as { totalSize: number }).totalSize;
    expect(await count('CreatedDate = TODAY')).toBe(2);
    expect(await count('CreatedDate < TODAY')).toBe(0);
    expect(await count('CreatedDate > YESTERDAY')).toBe(2);
    expect(await count('CreatedDate >= 2020-01-01T00:00:00Z')).toBe(2);
    expect(await count('CreatedDate < 2020-01-01')).toBe(0);
    emulator.advanceClock(3 * 24 * 60 * 60);
    const { access_token: later } = await login(emulator);
    const countLater = async (where: string): Promise<number> =>
      ((await query(`SELECT Id FROM User WHERE ${where}`, later)).body as { totalSize: number }).totalSize;
    expect(await countLater('CreatedDate = LAST_N_DAYS:2')).toBe(0);
    expect(await countLater('CreatedDate = LAST_N_DAYS:3')).toBe(2);
  });

  it('answers columns=true with the columnMetadata the Salesforce CLI reads (§11.2)', async () => {
    const { access_token: token } = await login(emulator);
    const result = await get(
      `/services/data/v62.0/query?${new URLSearchParams({ q: 'SELECT Id, Profile.Name FROM User', columns: 'true' }).toString()}`,
      token,
    );
    const column = (
      columnName: string,
      displayName: string,
      type: Record<string, unknown>,
      joinColumns: unknown[] = [],
    ): Record<string, unknown> => ({
      aggregate: false,
      booleanType: false,
      columnName,
      custom: false,
      displayName,
      foreignKeyName: null,
      insertable: false,
      joinColumns,
      numberType: false,
      updatable: false,
      ...type,
    });
    expect(result.body).toEqual({
      columnMetadata: [
        column('Id', 'Id', { apexType: 'Id', textType: true }),
        column('Profile', 'Profile', { apexType: null, textType: false }, [
          column('Name', 'Profile.Name', { apexType: 'String', textType: true }),
        ]),
      ],
      entityName: 'User',
      groupBy: false,
      idSelected: true,
      keyPrefix: null,
    });
  });

  it('describes the objects it serves (§11.5)', async () => {
    const { access_token: token } = await login(emulator);
    const global = (await get('/services/data/v66.0/sobjects', token)).body as {
      encoding: string;
      sobjects: Array<{ name: string; urls: unknown }>;
    };
    expect(global.encoding).toBe('UTF-8');
    expect(global.sobjects.map((o) => o.name)).toEqual(['Organization', 'Profile', 'User']);
    expect(global.sobjects[2]?.urls).toEqual({
      sobject: '/services/data/v66.0/sobjects/User',
      describe: '/services/data/v66.0/sobjects/User/describe',
      rowTemplate: '/services/data/v66.0/sobjects/User/{ID}',
    });
    const basic = (await get('/services/data/v66.0/sobjects/user', token)).body as {
      objectDescribe: { name: string; keyPrefix: string };
      recentItems: unknown[];
    };
    expect(basic).toMatchObject({ objectDescribe: { name: 'User', keyPrefix: '005' }, recentItems: [] });
    const describe = (await get('/services/data/v66.0/sobjects/User/describe', token)).body as {
      name: string;
      fields: Array<{ name: string; type: string; referenceTo: string[]; relationshipName: string | null }>;
    };
    expect(describe.name).toBe('User');
    expect(describe.fields.find((f) => f.name === 'ProfileId')).toMatchObject({
      type: 'reference',
      referenceTo: ['Profile'],
      relationshipName: 'Profile',
    });
    expect(describe.fields.find((f) => f.name === 'Email')).toMatchObject({ type: 'email', relationshipName: null });
  });

  it('needs a live token with the api scope', async () => {
    expect((await query('SELECT Id FROM User', undefined)).status).toBe(401);
    const { access_token: token } = await login(emulator, { scope: 'id' });
    expect((await query('SELECT Id FROM User', token)).status).toBe(401);
  });
});

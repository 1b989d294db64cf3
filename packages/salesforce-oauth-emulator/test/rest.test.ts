import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { apiVersions } from '../src/rest.js';
import { confidentialApp, login, postForm } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    restApi: true,
    apps: [confidentialApp()],
    users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }, { username: 'grace@example.com', lastName: 'Hopper' }],
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
    const { access_token: token } = await login(emulator);
    expect(await get('/services/data/v59.0/', token)).toMatchObject({
      status: 200,
      body: { limits: '/services/data/v59.0/limits', sobjects: '/services/data/v59.0/sobjects' },
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
    expect(some.body).toEqual({ attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${ada?.userId}` }, Name: 'Ada Lovelace', Username: 'ada@example.com' });
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
    const identity = (await (await fetch(tokens['id'] ?? '', { headers: { authorization: `Bearer ${tokens['access_token']}` } })).json()) as {
      photos: { picture: string };
    };
    const photo = new URL(identity.photos.picture).pathname;
    const ok = await get(photo, tokens['access_token']);
    expect(ok.status).toBe(200);
    expect(ok.contentType).toBe('image/svg+xml');
    expect(ok.text).toMatch(/^<svg /);
    expect((await get(photo)).status).toBe(401);
  });

  it('is served under a site prefix too', async () => {
    expect((await get('/partners/services/data/')).status).toBe(200);
    expect(emulator.requestsTo('rest').at(-1)?.path).toBe('/partners/services/data/');
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

// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { confidentialApp, expectedUrls, getIdentity, login } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    apps: [confidentialApp()],
    users: [
      { username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
      { username: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', timezone: 'Europe/Paris', locale: 'fr_FR' },
    ],
  });
});

afterEach(async () => {
  await emulator.close();
});

const BAD_TOKEN = { status: 403, contentType: 'text/plain;charset=UTF-8', text: 'Bad_OAuth_Token' };

const URL_KEYS = [
  'enterprise',
  'metadata',
  'partner',
  'rest',
  'sobjects',
  'search',
  'query',
  'recent',
  'tooling_soap',
  'tooling_rest',
  'profile',
  'feeds',
  'groups',
  'users',
  'feed_items',
  'feed_elements',
  'custom_domain',
];

describe('identity URL', () => {
  it('answers the Salesforce field set for a Bearer token', async () => {
    const tokens = await login(emulator);
    const ada = emulator.users[0];
    const result = await getIdentity(tokens['id'] ?? '', tokens['access_token']);
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('application/json;charset=UTF-8');
    const json = JSON.parse(result.text) as Record<string, unknown>;
    const u = emulator.url;
    expect(json).toEqual({
      id: `${u}/id/00D5g000004EmUlEAK/${ada?.userId}`,
      asserted_user: true,
      user_id: ada?.userId,
      organization_id: '00D5g000004EmUlEAK',
      username: 'ada@example.com',
      nick_name: 'ada',
      display_name: 'Ada Lovelace',
      email: 'ada@example.com',
      email_verified: true,
      first_name: 'Ada',
      last_name: 'Lovelace',
      timezone: 'America/Los_Angeles',
      photos: { picture: `${u}/profilephoto/005/F`, thumbnail: `${u}/profilephoto/005/T` },
      addr_street: null,
      addr_city: null,
      addr_state: null,
      addr_country: null,
      addr_zip: null,
      mobile_phone: null,
      mobile_phone_verified: false,
      is_lightning_login_user: false,
      status: { created_date: null, body: null },
      urls: expectedUrls(u, ada?.userId),
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: -28800000,
      last_modified_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/) as unknown,
      is_app_installed: true,
    });
  });

  it('describes the token’s own user', async () => {
    const tokens = await login(emulator, { login_hint: 'grace@example.com' });
    const json = JSON.parse((await getIdentity(tokens['id'] ?? '', tokens['access_token'])).text) as Record<string, unknown>;
    expect(json['username']).toBe('grace@example.com');
    expect(json['timezone']).toBe('Europe/Paris');
    expect(json['utcOffset']).toBe(3600000);
    expect(json['locale']).toBe('fr_FR');
  });

  it('accepts the token as an oauth_token query parameter', async () => {
    const tokens = await login(emulator);
    const url = `${tokens['id']}?oauth_token=${encodeURIComponent(tokens['access_token'] ?? '')}`;
    expect((await getIdentity(url, undefined)).status).toBe(200);
  });

  it('tolerates POST', async () => {
    const tokens = await login(emulator);
    expect((await getIdentity(tokens['id'] ?? '', tokens['access_token'], { method: 'POST' })).status).toBe(200);
  });

  it('answers 403 Bad_OAuth_Token in plain text for a missing, unknown or malformed token', async () => {
    const tokens = await login(emulator);
    const id = tokens['id'] ?? '';
    expect(await getIdentity(id, undefined)).toEqual(BAD_TOKEN);
    expect(await getIdentity(id, '00D5g000004EmUl!unknown')).toEqual(BAD_TOKEN);
    expect(await getIdentity(id, undefined, { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).toEqual(BAD_TOKEN);
    // A refresh token is not an access token.
    expect(await getIdentity(id, tokens['refresh_token'])).toEqual(BAD_TOKEN);
  });

  it('answers 404 Bad_Id for another user or org in the path', async () => {
    const tokens = await login(emulator);
    const grace = emulator.users[1];
    const ada = emulator.users[0];
    const notFound = { status: 404, contentType: 'text/plain;charset=UTF-8', text: 'Bad_Id' };
    expect(await getIdentity(`${emulator.url}/id/${emulator.orgId}/${grace?.userId}`, tokens['access_token'])).toEqual(notFound);
    expect(await getIdentity(`${emulator.url}/id/00D000000000001AAA/${ada?.userId}`, tokens['access_token'])).toEqual(notFound);
    expect(await getIdentity(`${emulator.url}/id/x/y`, tokens['access_token'])).toEqual(notFound);
  });

  it('accepts 15-character ids in the path', async () => {
    const tokens = await login(emulator);
    const ada = emulator.users[0];
    const url = `${emulator.url}/id/${emulator.orgId.slice(0, 15)}/${ada?.userId.slice(0, 15)}`;
    expect((await getIdentity(url, tokens['access_token'])).status).toBe(200);
  });

  it('replaces {version} in every url when a version is given', async () => {
    const tokens = await login(emulator);
    const json = JSON.parse((await getIdentity(`${tokens['id']}?version=59.0`, tokens['access_token'])).text) as {
      urls: Record<string, string>;
    };
    expect(Object.keys(json.urls).sort()).toEqual([...URL_KEYS].sort());
    expect(JSON.stringify(json.urls)).not.toContain('{version}');
    expect(json.urls['rest']).toBe(`${emulator.url}/services/data/v59.0/`);
    expect(json.urls['partner']).toBe(`${emulator.url}/services/Soap/u/59.0/00D5g000004EmUl`);
    expect(json.urls['tooling_soap']).toBe(`${emulator.url}/services/Soap/T/59.0/00D5g000004EmUl`);
  });

  it('resolves version=latest and rejects a malformed version with 406 Invalid_Version', async () => {
    const tokens = await login(emulator);
    const latest = JSON.parse((await getIdentity(`${tokens['id']}?version=latest`, tokens['access_token'])).text) as {
      urls: Record<string, string>;
    };
    expect(latest.urls['rest']).toMatch(/\/services\/data\/v\d+\.0\/$/);
    expect(await getIdentity(`${tokens['id']}?version=banana`, tokens['access_token'])).toEqual({
      status: 406,
      contentType: 'text/plain;charset=UTF-8',
      text: 'Invalid_Version',
    });
  });

  it.each([
    ['format=json', '', 'application/json;charset=UTF-8'],
    ['format=xml', 'application/json', 'application/xml;charset=UTF-8'],
    ['', 'application/xml', 'application/xml;charset=UTF-8'],
    ['', 'text/html, application/x-www-form-urlencoded;q=0.1, application/json', 'application/x-www-form-urlencoded;charset=UTF-8'],
    ['', '*/*', 'application/json;charset=UTF-8'],
    ['', 'text/html', 'application/json;charset=UTF-8'],
    ['format=urlencoded', 'application/xml', 'application/xml;charset=UTF-8'],
  ])('answers ?%s with Accept "%s" as %s (§6: format wins, Accept left to right, */* is JSON)', async (query, accept, contentType) => {
    const tokens = await login(emulator);
    const result = await getIdentity(`${tokens['id']}?${query}`, tokens['access_token'], { headers: accept === '' ? {} : { accept } });
    expect(result.status).toBe(200);
    expect(result.contentType).toBe(contentType);
  });

  it('renders the same document in XML, nulls as xsi:nil (§6)', async () => {
    const tokens = await login(emulator);
    const ada = emulator.users[0];
    const { text } = await getIdentity(`${tokens['id']}?format=xml&version=59.0`, tokens['access_token']);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<user xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n')).toBe(
      true,
    );
    expect(text).toContain(`  <id>${tokens['id']}</id>\n  <asserted_user>true</asserted_user>\n  <user_id>${ada?.userId}</user_id>\n`);
    expect(text).toContain('  <addr_street xsi:nil="true"/>\n');
    expect(text).toContain('  <status>\n    <created_date xsi:nil="true"/>\n    <body xsi:nil="true"/>\n  </status>\n');
    expect(text).toContain(`    <rest>${emulator.url}/services/data/v59.0/</rest>\n`);
    expect(text).toContain('  <utcOffset>-28800000</utcOffset>\n');
    expect(text.endsWith('</user>\n')).toBe(true);
  });

  it('renders the same document URL-encoded when Accept asks for it, nested members as parent.child (§6)', async () => {
    const tokens = await login(emulator);
    const { text } = await getIdentity(tokens['id'] ?? '', tokens['access_token'], {
      headers: { accept: 'application/x-www-form-urlencoded' },
    });
    const form = new URLSearchParams(text);
    expect(form.get('username')).toBe('ada@example.com');
    expect(form.get('email_verified')).toBe('true');
    expect(form.get('addr_city')).toBe('');
    expect(form.get('urls.rest')).toBe(`${emulator.url}/services/data/v{version}/`);
    expect(form.get('photos.picture')).toBe(`${emulator.url}/profilephoto/005/F`);
  });

  it('keeps its errors plain text whatever the format (§6)', async () => {
    const tokens = await login(emulator);
    expect(await getIdentity(`${tokens['id']}?format=xml`, '00D5g000004EmUl!unknown')).toEqual(BAD_TOKEN);
  });

  it('is served under a configured site path (§9.1), and builds urls on instanceUrl', async () => {
    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp()], instanceUrl: 'https://acme.my.salesforce.com', sites: ['/mysite'] });
    const tokens = await login(emulator);
    const path = new URL(tokens['id'] ?? '').pathname;
    const result = await getIdentity(`${emulator.url}/mysite${path}`, tokens['access_token']);
    expect(result.status).toBe(200);
    const json = JSON.parse(result.text) as { id: string; urls: Record<string, string> };
    expect(json.id).toBe(tokens['id']);
    expect(json.urls['rest']).toBe('https://acme.my.salesforce.com/services/data/v{version}/');
    expect(json.urls['custom_domain']).toBe('https://acme.my.salesforce.com');
  });
});

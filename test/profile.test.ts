import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProfile, profileFromIdentityUrl } from '../src/profile.js';

function fixture(name: string): { raw: string; json: unknown } {
  const raw = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return { raw, json: JSON.parse(raw) };
}

describe('buildProfile', () => {
  it('maps a standard user identity', () => {
    const { raw, json } = fixture('identity-standard.json');
    const profile = buildProfile(json, raw, 'https://acme.my.salesforce.com');
    expect(profile).toMatchObject({
      provider: 'salesforce',
      id: '005B0000005V71XIAS',
      username: 'user@example.com',
      displayName: 'Example User',
      name: { givenName: 'Example', familyName: 'User' },
      emails: [{ value: 'user@example.com', verified: true }],
      photos: [
        { value: 'https://acme.file.force.com/profilephoto/729B00000002yij/F', type: 'picture' },
        { value: 'https://acme.file.force.com/profilephoto/729B00000002yij/T', type: 'thumbnail' },
      ],
      organizationId: '00DB0000000ToZ3MAK',
      identityUrl: 'https://login.salesforce.com/id/00DB0000000ToZ3MAK/005B0000005V71XIAS',
      instanceUrl: 'https://acme.my.salesforce.com',
      userType: 'STANDARD',
      active: true,
      locale: 'en_US',
      language: 'en_US',
      timezone: 'America/Los_Angeles',
      _raw: raw,
      _json: json,
    });
    expect(profile?.urls.rest).toBe('https://acme.my.salesforce.com/services/data/v{version}/');
    expect(Object.keys(profile?.urls ?? {})).toHaveLength(17);
  });

  it('maps an Experience Cloud partner with a null first name, unverified email and a non-string url', () => {
    const { raw, json } = fixture('identity-community.json');
    const profile = buildProfile(json, raw);
    expect(profile).toMatchObject({
      id: '0055g00000YYYYYAA1',
      displayName: 'Grace Hopper',
      name: { givenName: '', familyName: 'Hopper' },
      emails: [{ value: 'grace@partner.example', verified: false }],
      userType: 'POWER_PARTNER',
      instanceUrl: undefined,
      urls: { rest: 'https://acme.my.site.com/partners/services/data/v{version}/', custom_domain: 'https://acme.my.salesforce.com' },
    });
  });

  it('falls back to the names, then the username, when display_name is absent', () => {
    const base = { id: 'https://login.salesforce.com/id/00D/005', user_id: '005', organization_id: '00D', username: 'u@x.example' };
    expect(buildProfile({ ...base, first_name: 'Ada', last_name: 'Lovelace' }, '')?.displayName).toBe('Ada Lovelace');
    expect(buildProfile(base, '')?.displayName).toBe('u@x.example');
    expect(buildProfile(base, '')?.emails).toEqual([]);
    expect(buildProfile(base, '')?.photos).toEqual([]);
  });

  it.each([
    null,
    [],
    'Bad_OAuth_Token',
    {},
    { id: 'x', user_id: '', organization_id: '00D' },
    { id: 'x', user_id: 5, organization_id: '00D' },
  ])('returns undefined for %j, which is no Salesforce identity', (json) => {
    expect(buildProfile(json, JSON.stringify(json))).toBeUndefined();
  });

  it('ignores wrongly typed optional fields instead of passing them on', () => {
    const profile = buildProfile(
      {
        id: 'https://login.salesforce.com/id/00D/005',
        user_id: '005',
        organization_id: '00D',
        email: 7,
        photos: 'x',
        active: 'yes',
        locale: {},
      },
      '',
    );
    expect(profile).toMatchObject({ emails: [], photos: [], active: undefined, locale: undefined });
  });
});

describe('profileFromIdentityUrl', () => {
  it('takes the org and user ids from the identity URL path', () => {
    const profile = profileFromIdentityUrl(
      'https://login.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1',
      'https://acme.my.salesforce.com',
    );
    expect(profile).toMatchObject({
      provider: 'salesforce',
      id: '0055g00000YYYYYAA1',
      organizationId: '00D5g000004XXXXEAA',
      identityUrl: 'https://login.salesforce.com/id/00D5g000004XXXXEAA/0055g00000YYYYYAA1',
      instanceUrl: 'https://acme.my.salesforce.com',
      username: '',
    });
  });

  it.each(['https://login.salesforce.com/services/oauth2/userinfo', 'not a url', 'https://login.salesforce.com/id/00D!/005'])(
    'returns undefined for %s',
    (url) => {
      expect(profileFromIdentityUrl(url)).toBeUndefined();
    },
  );
});

// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  basicAuth,
  confidentialApp,
  getIdentity,
  login,
  codeGrantForm,
  obtainCode,
  postToken,
  type JsonResult,
} from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ apps: [confidentialApp()] });
});

afterEach(async () => {
  await emulator.close();
});

function expectExpiredToken(result: JsonResult): void {
  expect(result.status).toBe(400);
  expect(result.headers.get('cache-control')).toBe('no-store');
  expect(JSON.parse(result.text)).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
}

function refresh(
  refreshToken: string | undefined,
  overrides: Record<string, string | undefined> = {},
  headers: Record<string, string> = {},
): Promise<JsonResult> {
  return postToken(
    emulator,
    { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...overrides },
    headers,
  );
}

describe('refresh_token grant without rotation', () => {
  it('answers the token shape without a refresh_token, and the old tokens stay valid', async () => {
    const first = await login(emulator);
    const result = await refresh(first['refresh_token']);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const json = result.json as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual(
      ['access_token', 'signature', 'scope', 'instance_url', 'id', 'token_type', 'issued_at'].sort(),
    );
    expect(json['access_token']).toMatch(/^00D5g000004EmUl!/);
    expect(json['access_token']).not.toBe(first['access_token']);
    expect(json['scope']).toBe(first['scope']);
    expect(json['id']).toBe(first['id']);
    expect(json['issued_at']).toMatch(/^\d{13}$/);
    expect(json['signature']).toBe(createHmac('sha256', CLIENT_SECRET).update(`${json['id']}${json['issued_at']}`).digest('base64'));

    expect((await refresh(first['refresh_token'])).status).toBe(200);
    expect((await getIdentity(first['id'] ?? '', first['access_token'])).status).toBe(200);
  });

  it('accepts client credentials in a Basic header', async () => {
    const first = await login(emulator);
    const result = await refresh(
      first['refresh_token'],
      { client_id: undefined, client_secret: undefined },
      basicAuth(CLIENT_ID, CLIENT_SECRET),
    );
    expect(result.status).toBe(200);
  });

  it('rejects a wrong Basic secret', async () => {
    const first = await login(emulator);
    const result = await refresh(first['refresh_token'], { client_id: undefined, client_secret: undefined }, basicAuth(CLIENT_ID, 'nope'));
    expect(result.status).toBe(400);
    expect(result.json).toEqual({ error: 'invalid_client', error_description: 'invalid client credentials' });
  });

  it('requires the secret unless "require secret for refresh token flow" is off', async () => {
    const first = await login(emulator);
    const withoutSecret = await refresh(first['refresh_token'], { client_secret: undefined });
    expect(withoutSecret.json).toEqual({ error: 'invalid_client', error_description: 'invalid client credentials' });
    emulator.addApp(confidentialApp({ requireSecretForRefreshTokenFlow: false }));
    expect((await refresh(first['refresh_token'], { client_secret: undefined })).status).toBe(200);
  });

  it('rejects an unknown or missing refresh token', async () => {
    expectExpiredToken(await refresh('5Aep861unknown'));
    expectExpiredToken(await refresh(undefined));
  });

  it('rejects an access token presented as a refresh token', async () => {
    const first = await login(emulator);
    expectExpiredToken(await refresh(first['access_token']));
  });

  it('rejects a refresh token issued to another client', async () => {
    emulator.addApp(confidentialApp({ clientId: 'other', clientSecret: 'other-secret' }));
    const first = await login(emulator);
    expectExpiredToken(await refresh(first['refresh_token'], { client_id: 'other', client_secret: 'other-secret' }));
  });

  it('rejects a revoked refresh token', async () => {
    const first = await login(emulator);
    const revoked = await fetch(`${emulator.url}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: first['refresh_token'] ?? '' }).toString(),
    });
    expect(revoked.status).toBe(200);
    expectExpiredToken(await refresh(first['refresh_token']));
  });
});

describe('refresh_token grant with rotation', () => {
  beforeEach(() => {
    emulator.addApp(confidentialApp({ rotateRefreshTokens: true }));
  });

  it('returns a new refresh token and invalidates the old one', async () => {
    const first = await login(emulator);
    const second = await refresh(first['refresh_token']);
    expect(second.status).toBe(200);
    const json = second.json as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual(
      ['access_token', 'refresh_token', 'signature', 'scope', 'instance_url', 'id', 'token_type', 'issued_at'].sort(),
    );
    expect(json['refresh_token']).toMatch(/^5Aep861/);
    expect(json['refresh_token']).not.toBe(first['refresh_token']);
    expect((await refresh(json['refresh_token'])).status).toBe(200);
  });

  it('revokes the whole family when a rotated-out token is reused', async () => {
    const first = await login(emulator);
    const second = (await refresh(first['refresh_token'])).json as Record<string, string>;
    const third = (await refresh(second['refresh_token'])).json as Record<string, string>;
    const identity = first['id'] ?? '';
    for (const token of [first, second, third]) expect((await getIdentity(identity, token['access_token'])).status).toBe(200);

    expectExpiredToken(await refresh(first['refresh_token']));

    expectExpiredToken(await refresh(third['refresh_token']));
    for (const token of [first, second, third]) {
      const result = await getIdentity(identity, token['access_token']);
      expect(result).toEqual({ status: 403, contentType: 'text/plain;charset=UTF-8', text: 'Bad_OAuth_Token' });
    }
  });

  it('leaves other grants of the same user alone when a family is revoked', async () => {
    const a = await login(emulator);
    const b = await login(emulator);
    await refresh(a['refresh_token']);
    expectExpiredToken(await refresh(a['refresh_token']));
    expect((await refresh(b['refresh_token'])).status).toBe(200);
    expect((await getIdentity(b['id'] ?? '', b['access_token'])).status).toBe(200);
  });
});

describe('the limit of 5 grants per user and app (§4.4, §10.13)', () => {
  const BAD_TOKEN = { status: 403, contentType: 'text/plain;charset=UTF-8', text: 'Bad_OAuth_Token' };

  it('revokes the oldest grant on the sixth approval: its refresh token fails, its access token is refused', async () => {
    const grants = [];
    for (let i = 0; i < 6; i++) grants.push(await login(emulator));
    const [oldest, ...kept] = grants;
    expectExpiredToken(await refresh(oldest?.['refresh_token']));
    expect(await getIdentity(oldest?.['id'] ?? '', oldest?.['access_token'])).toEqual(BAD_TOKEN);
    for (const grant of kept) expect((await refresh(grant['refresh_token'])).status).toBe(200);
  });

  it('counts per user and per app, only approvals that issued a refresh token, and not rotations', async () => {
    await emulator.close();
    emulator = await startEmulator({
      apps: [confidentialApp({ rotateRefreshTokens: true }), confidentialApp({ clientId: 'other', clientSecret: 'other-secret' })],
      users: [{ username: 'ada@example.com' }, { username: 'grace@example.com' }],
    });
    const first = await login(emulator);
    // Rotating is not a new approval.
    let current = first['refresh_token'];
    for (let i = 0; i < 6; i++) current = (await refresh(current)).json['refresh_token'] as string;
    // Nor are these: another user, another app, and approvals without a refresh token.
    for (let i = 0; i < 6; i++) {
      await login(emulator, { login_hint: 'grace@example.com' });
      const other = await obtainCode(emulator, { client_id: 'other', scope: 'api refresh_token' });
      const exchanged = await postToken(emulator, codeGrantForm(other.code, other.codeVerifier, 'other', 'other-secret'));
      expect(exchanged.json['refresh_token']).toMatch(/^5Aep861/);
      await login(emulator, { scope: 'api' });
    }
    for (let i = 0; i < 4; i++) await login(emulator);
    expect((await refresh(current)).status).toBe(200);
  });

  it('follows maxGrantsPerUserPerApp, and false turns the limit off', async () => {
    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp()], maxGrantsPerUserPerApp: 2 });
    const [a, b, c] = [await login(emulator), await login(emulator), await login(emulator)];
    expectExpiredToken(await refresh(a['refresh_token']));
    expect((await refresh(b['refresh_token'])).status).toBe(200);
    expect((await refresh(c['refresh_token'])).status).toBe(200);

    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp()], maxGrantsPerUserPerApp: false });
    const oldest = await login(emulator);
    for (let i = 0; i < 10; i++) await login(emulator);
    expect((await refresh(oldest['refresh_token'])).status).toBe(200);
  });

  it('rejects a limit that is not a positive whole number', async () => {
    for (const limit of [0, 2.5, -1]) {
      await expect(startEmulator({ maxGrantsPerUserPerApp: limit })).rejects.toThrow(
        new RangeError('maxGrantsPerUserPerApp must be a positive whole number, or false'),
      );
    }
  });
});

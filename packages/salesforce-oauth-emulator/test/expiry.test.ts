/**
 * Lifetimes on the emulator's clock: the org's session timeout for access tokens (salesforce-behaviour.md
 * §4.2: no `expires_in`, the session timeout decides), the app's refresh token policy (§5), and
 * advanceClock, which ages codes and tokens alike.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../src/index.js';
import { CLIENT_ID, confidentialApp, getIdentity, login, postForm, refreshGrant, type JsonResult } from './helpers.js';

let emulator: RunningEmulator;

async function restart(options: EmulatorOptions = {}): Promise<void> {
  await emulator?.close();
  emulator = await startEmulator({ restApi: true, apps: [confidentialApp()], ...options });
}

beforeEach(async () => {
  emulator = await startEmulator({ restApi: true, apps: [confidentialApp()] });
});

afterEach(async () => {
  await emulator.close();
});

const BAD_TOKEN = { status: 403, contentType: 'text/plain;charset=UTF-8', text: 'Bad_OAuth_Token' };
const EXPIRED_GRANT = { error: 'invalid_grant', error_description: 'expired access/refresh token' };

function refresh(refreshToken: string | undefined): Promise<JsonResult> {
  return refreshGrant(emulator, refreshToken);
}

async function userinfoStatus(accessToken: string | undefined): Promise<number> {
  return (await fetch(`${emulator.url}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

async function restStatus(accessToken: string | undefined): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${emulator.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: await response.json() };
}

describe('access tokens and the session timeout (§4.2, §9.12)', () => {
  it('work for the default 2 hours and are refused everywhere after', async () => {
    const tokens = await login(emulator);
    emulator.advanceClock(7190);
    expect((await getIdentity(tokens['id'] ?? '', tokens['access_token'])).status).toBe(200);
    emulator.advanceClock(11);
    expect(await getIdentity(tokens['id'] ?? '', tokens['access_token'])).toEqual(BAD_TOKEN);
    expect(await userinfoStatus(tokens['access_token'])).toBe(403);
    expect(await restStatus(tokens['access_token'])).toEqual({
      status: 401,
      body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
    });
  });

  it('are replaced by a refresh, whose new access token starts a new session (§5)', async () => {
    const tokens = await login(emulator);
    emulator.advanceClock(7201);
    const refreshed = await refresh(tokens['refresh_token']);
    expect(refreshed.status).toBe(200);
    const accessToken = refreshed.json['access_token'] as string;
    expect((await getIdentity(tokens['id'] ?? '', accessToken)).status).toBe(200);
    emulator.advanceClock(7190);
    expect((await restStatus(accessToken)).status).toBe(200);
    emulator.advanceClock(11);
    expect((await restStatus(accessToken)).status).toBe(401);
  });

  it('follow the sessionTimeout option, and the token response still has no expires_in (§4.2)', async () => {
    await restart({ sessionTimeout: 900 });
    const tokens = await login(emulator);
    expect(tokens).not.toHaveProperty('expires_in');
    emulator.advanceClock(890);
    expect(await userinfoStatus(tokens['access_token'])).toBe(200);
    emulator.advanceClock(11);
    expect(await userinfoStatus(tokens['access_token'])).toBe(403);
  });

  it('cannot be revoked once expired: invalid_token (§8)', async () => {
    const tokens = await login(emulator);
    emulator.advanceClock(7201);
    const revoked = await postForm(emulator, '/services/oauth2/revoke', { token: tokens['access_token'] });
    expect(revoked.status).toBe(400);
    expect(revoked.json).toEqual({ error: 'invalid_token', error_description: 'invalid token' });
  });

  it('rejects a sessionTimeout that is not a positive number', async () => {
    await expect(startEmulator({ sessionTimeout: 0 })).rejects.toThrow(
      new RangeError('sessionTimeout must be a positive number of seconds'),
    );
    await expect(startEmulator({ sessionTimeout: Number.NaN })).rejects.toThrow(RangeError);
  });
});

describe('refresh token policies (§5)', () => {
  it('valid until revoked (the default): a refresh token works however old it is', async () => {
    const tokens = await login(emulator);
    emulator.advanceClock(365 * 24 * 3600);
    expect((await refresh(tokens['refresh_token'])).status).toBe(200);
  });

  it('immediately expire: the refresh token is issued, but refreshing fails with expired access/refresh token', async () => {
    emulator.addApp(confidentialApp({ refreshTokenPolicy: 'immediately-expire' }));
    const tokens = await login(emulator);
    expect(tokens['refresh_token']).toMatch(/^5Aep861/);
    const result = await refresh(tokens['refresh_token']);
    expect(result.status).toBe(400);
    expect(result.json).toEqual(EXPIRED_GRANT);
    // The access token of the approval is not affected by the policy.
    expect((await getIdentity(tokens['id'] ?? '', tokens['access_token'])).status).toBe(200);
  });

  it('expire after N seconds: counted from the refresh token’s issue', async () => {
    emulator.addApp(confidentialApp({ refreshTokenPolicy: { expireAfterSeconds: 3600 } }));
    const tokens = await login(emulator);
    emulator.advanceClock(3590);
    expect((await refresh(tokens['refresh_token'])).status).toBe(200);
    emulator.advanceClock(11);
    const result = await refresh(tokens['refresh_token']);
    expect(result.status).toBe(400);
    expect(result.json).toEqual(EXPIRED_GRANT);
  });

  it('expire after N seconds under rotation: each rotated refresh token gets its own N seconds', async () => {
    emulator.addApp(confidentialApp({ rotateRefreshTokens: true, refreshTokenPolicy: { expireAfterSeconds: 3600 } }));
    const tokens = await login(emulator);
    emulator.advanceClock(3000);
    const second = await refresh(tokens['refresh_token']);
    expect(second.status).toBe(200);
    emulator.advanceClock(3000);
    expect((await refresh(second.json['refresh_token'] as string)).status).toBe(200);
  });

  it.each([
    ['an unknown name', 'sometimes'],
    ['a zero time', { expireAfterSeconds: 0 }],
    ['a time that is not a number', { expireAfterSeconds: '3600' }],
  ])('rejects %s as a policy, naming the option', (_what, policy) => {
    expect(() => emulator.addApp(confidentialApp({ refreshTokenPolicy: policy as never }))).toThrow(
      new TypeError(
        `EmulatorConnectedApp.refreshTokenPolicy of ${CLIENT_ID} must be 'valid-until-revoked', 'immediately-expire' or { expireAfterSeconds: <positive number> }`,
      ),
    );
  });
});

describe('advanceClock (§2.2, §9.3)', () => {
  it('ages codes and tokens issued before it alike', async () => {
    const tokens = await login(emulator);
    emulator.advanceClock(7201);
    expect(await getIdentity(tokens['id'] ?? '', tokens['access_token'])).toEqual(BAD_TOKEN);
    // A token issued after the jump has its whole session ahead of it.
    const fresh = await login(emulator);
    emulator.advanceClock(7000);
    expect((await getIdentity(fresh['id'] ?? '', fresh['access_token'])).status).toBe(200);
  });

  it('leaves the reported times on the wall clock', async () => {
    emulator.advanceClock(86_400);
    const before = Date.now();
    const tokens = await login(emulator);
    expect(Number(tokens['issued_at'])).toBeGreaterThanOrEqual(before);
    expect(Number(tokens['issued_at'])).toBeLessThanOrEqual(Date.now());
  });

  it('rejects a clock jump that is not a finite number', () => {
    expect(() => emulator.advanceClock(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

/**
 * What happens to a user's tokens when an admin deactivates or freezes the user, or the password
 * changes: refresh fails with `invalid_grant` / `authentication failure` (salesforce-behaviour.md §4.4, §5),
 * and the identity URL, UserInfo and REST refuse the access tokens (§6, §9.12).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import {
  authorize,
  authorizeParams,
  confidentialApp,
  exchangeCode,
  getIdentity,
  login,
  obtainCode,
  refreshGrant,
  type JsonResult,
} from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    restApi: true,
    apps: [confidentialApp()],
    users: [
      { username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
      { username: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' },
    ],
  });
});

afterEach(async () => {
  await emulator.close();
});

const AUTHENTICATION_FAILURE = { error: 'invalid_grant', error_description: 'authentication failure' };
const BAD_TOKEN = { status: 403, contentType: 'text/plain;charset=UTF-8', text: 'Bad_OAuth_Token' };

function refresh(refreshToken: string | undefined): Promise<JsonResult> {
  return refreshGrant(emulator, refreshToken);
}

/** What each resource answers for an access token: identity URL, UserInfo, REST. */
async function accessEverywhere(tokens: Record<string, string>): Promise<unknown[]> {
  const bearer = { authorization: `Bearer ${tokens['access_token']}` };
  const userinfo = await fetch(`${emulator.url}/services/oauth2/userinfo`, { headers: bearer });
  const rest = await fetch(`${emulator.url}/services/data/v62.0/`, { headers: bearer });
  return [
    await getIdentity(tokens['id'] ?? '', tokens['access_token']),
    { status: userinfo.status, text: await userinfo.text() },
    { status: rest.status, body: await rest.json() },
  ];
}

const REFUSED_EVERYWHERE = [
  BAD_TOKEN,
  { status: 403, text: 'Bad_OAuth_Token' },
  { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] },
];

async function expectAccepted(tokens: Record<string, string>): Promise<void> {
  expect((await accessEverywhere(tokens)).map((answer) => (answer as { status: number }).status)).toEqual([200, 200, 200]);
}

describe('deactivateUser', () => {
  it('makes refresh fail with invalid_grant / authentication failure (§4.4, §5)', async () => {
    const tokens = await login(emulator);
    emulator.deactivateUser('ada@example.com');
    const result = await refresh(tokens['refresh_token']);
    expect(result.status).toBe(400);
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(result.json).toEqual(AUTHENTICATION_FAILURE);
  });

  it('makes the identity URL, UserInfo and REST refuse the access token (§6, §9.12)', async () => {
    const tokens = await login(emulator);
    emulator.deactivateUser('ada@example.com');
    expect(await accessEverywhere(tokens)).toEqual(REFUSED_EVERYWHERE);
  });

  it('ends logins with inactive_user / user is inactive (§2.3), and shows in users', async () => {
    emulator.deactivateUser('ADA@example.com');
    expect(emulator.users[0]).toMatchObject({ username: 'ada@example.com', active: false });
    const result = await authorize(emulator, authorizeParams({ login_hint: 'ada@example.com' }).params);
    expect(Object.fromEntries(result.query)).toEqual({ error: 'inactive_user', error_description: 'user is inactive', state: 'st-123' });
  });

  it('spoils a code issued before it: the exchange fails with authentication failure (§4.4)', async () => {
    const { code, codeVerifier } = await obtainCode(emulator);
    emulator.deactivateUser('ada@example.com');
    expect((await exchangeCode(emulator, code, codeVerifier)).json).toEqual(AUTHENTICATION_FAILURE);
  });

  it('is for good: reactivating the user with addUser does not bring the old tokens back', async () => {
    const tokens = await login(emulator);
    emulator.deactivateUser('ada@example.com');
    emulator.addUser({ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });
    expect((await refresh(tokens['refresh_token'])).json).toEqual(AUTHENTICATION_FAILURE);
    // A new login works again.
    await expectAccepted(await login(emulator));
  });

  it('leaves other users’ tokens alone', async () => {
    const grace = await login(emulator, { login_hint: 'grace@example.com' });
    emulator.deactivateUser('ada@example.com');
    expect((await refresh(grace['refresh_token'])).status).toBe(200);
    await expectAccepted(grace);
  });

  it('throws a TypeError for an unknown username', () => {
    expect(() => emulator.deactivateUser('nobody@example.com')).toThrow(
      new TypeError('no emulated user has the username nobody@example.com'),
    );
  });
});

describe('freezeUser and unfreezeUser', () => {
  it('refuse refresh and access while frozen, and let the same tokens work again once unfrozen (§4.4, §6)', async () => {
    const tokens = await login(emulator);
    emulator.freezeUser('ada@example.com');
    expect((await refresh(tokens['refresh_token'])).json).toEqual(AUTHENTICATION_FAILURE);
    expect(await accessEverywhere(tokens)).toEqual(REFUSED_EVERYWHERE);
    expect(emulator.users[0]).toMatchObject({ active: true, frozen: true });

    emulator.unfreezeUser('ada@example.com');
    await expectAccepted(tokens);
    expect((await refresh(tokens['refresh_token'])).status).toBe(200);
  });

  it('stop a frozen user from logging in (inactive_user, §2.3)', async () => {
    emulator.freezeUser('ada@example.com');
    const result = await authorize(emulator, authorizeParams().params);
    expect(result.query.get('error')).toBe('inactive_user');
  });

  it('start frozen with frozen: true', async () => {
    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp()], users: [{ username: 'ice@example.com', frozen: true }] });
    const result = await authorize(emulator, authorizeParams().params);
    expect(result.query.get('error_description')).toBe('user is inactive');
  });
});

describe('changePassword', () => {
  it('ends the user’s grants: refresh fails with authentication failure and the access token is refused (§4.4, §5, §6)', async () => {
    const tokens = await login(emulator);
    emulator.changePassword('ada@example.com', 'new-password-1');
    expect((await refresh(tokens['refresh_token'])).json).toEqual(AUTHENTICATION_FAILURE);
    expect(await accessEverywhere(tokens)).toEqual(REFUSED_EVERYWHERE);
    expect(emulator.users[0]?.password).toBe('new-password-1');
    // The user logs in again and carries on.
    await expectAccepted(await login(emulator));
  });

  it('rejects an empty password', () => {
    expect(() => emulator.changePassword('ada@example.com', '')).toThrow(TypeError);
  });
});

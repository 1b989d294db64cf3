// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { confidentialApp, getIdentity, login, postForm, refreshGrant, type JsonResult } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ apps: [confidentialApp()] });
});

afterEach(async () => {
  await emulator.close();
});

function revoke(form: Record<string, string | undefined>, sitePrefix = ''): Promise<JsonResult> {
  return postForm(emulator, `${sitePrefix}/services/oauth2/revoke`, form);
}

function refresh(refreshToken: string | undefined): Promise<JsonResult> {
  return refreshGrant(emulator, refreshToken);
}

const BAD_TOKEN = { status: 403, contentType: 'text/plain;charset=UTF-8', text: 'Bad_OAuth_Token' };

function expectRevokeError(result: JsonResult, error: string, description: string): void {
  expect(result.status).toBe(400);
  expect(result.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  expect(JSON.parse(result.text)).toEqual({ error, error_description: description });
}

describe('revoke', () => {
  it('revokes an access token alone', async () => {
    const tokens = await login(emulator);
    const result = await revoke({ token: tokens['access_token'] });
    expect(result.status).toBe(200);
    expect(result.text).toBe('');
    expect(await getIdentity(tokens['id'] ?? '', tokens['access_token'])).toEqual(BAD_TOKEN);
    // The refresh token, and so the grant, survive.
    const refreshed = await refresh(tokens['refresh_token']);
    expect(refreshed.status).toBe(200);
    expect((await getIdentity(tokens['id'] ?? '', refreshed.json['access_token'] as string)).status).toBe(200);
  });

  it('revokes a refresh token with every access token issued from it', async () => {
    const tokens = await login(emulator);
    const refreshed = (await refresh(tokens['refresh_token'])).json as Record<string, string>;
    const other = await login(emulator);

    expect((await revoke({ token: tokens['refresh_token'] })).status).toBe(200);

    expect(await getIdentity(tokens['id'] ?? '', tokens['access_token'])).toEqual(BAD_TOKEN);
    expect(await getIdentity(tokens['id'] ?? '', refreshed['access_token'])).toEqual(BAD_TOKEN);
    expect((await refresh(tokens['refresh_token'])).json).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
    // Another grant of the same user is untouched.
    expect((await getIdentity(other['id'] ?? '', other['access_token'])).status).toBe(200);
  });

  it('answers invalid_token for a token revoked already', async () => {
    const tokens = await login(emulator);
    expect((await revoke({ token: tokens['access_token'] })).status).toBe(200);
    expectRevokeError(await revoke({ token: tokens['access_token'] }), 'invalid_token', 'invalid token');
  });

  it('answers invalid_token for an access token whose refresh token was revoked', async () => {
    const tokens = await login(emulator);
    expect((await revoke({ token: tokens['refresh_token'] })).status).toBe(200);
    expectRevokeError(await revoke({ token: tokens['access_token'] }), 'invalid_token', 'invalid token');
  });

  it('answers invalid_token for an unknown token', async () => {
    expectRevokeError(await revoke({ token: '00D5g000004EmUl!nope' }), 'invalid_token', 'invalid token');
  });

  it('answers unsupported_token_type when no token is sent', async () => {
    expectRevokeError(await revoke({}), 'unsupported_token_type', 'unsupported token type');
    expectRevokeError(await revoke({ token: '' }), 'unsupported_token_type', 'unsupported token type');
  });

  it('accepts the GET ?token= form and ignores revoke_reason', async () => {
    const tokens = await login(emulator);
    const query = new URLSearchParams({ token: tokens['access_token'] ?? '', revoke_reason: 'user_logout' });
    const response = await fetch(`${emulator.url}/services/oauth2/revoke?${query.toString()}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(await getIdentity(tokens['id'] ?? '', tokens['access_token'])).toEqual(BAD_TOKEN);
  });

  it('ignores unknown form parameters and serves a configured site path (§1.2)', async () => {
    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp()], sites: ['/mysite'] });
    const tokens = await login(emulator);
    const result = await revoke({ token: tokens['access_token'], revoke_reason: 'x' }, '/mysite');
    expect(result.status).toBe(200);
    expect(await getIdentity(tokens['id'] ?? '', tokens['access_token'])).toEqual(BAD_TOKEN);
  });
});

describe('revoke: JSONP (§8)', () => {
  async function jsonp(query: Record<string, string>): Promise<{ status: number; contentType: string | null; text: string }> {
    const response = await fetch(`${emulator.url}/services/oauth2/revoke?${new URLSearchParams(query).toString()}`);
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
  }

  it('calls the callback with {} on success, and the token is revoked', async () => {
    const tokens = await login(emulator);
    expect(await jsonp({ token: tokens['access_token'] ?? '', callback: 'done' })).toEqual({
      status: 200,
      contentType: 'text/javascript;charset=UTF-8',
      text: 'done({});',
    });
    expect(await getIdentity(tokens['id'] ?? '', tokens['access_token'])).toEqual(BAD_TOKEN);
  });

  it('calls the callback with the error, and answers 200 so a browser runs it', async () => {
    expect(await jsonp({ token: '00D5g000004EmUl!nope', callback: 'app.revoked' })).toEqual({
      status: 200,
      contentType: 'text/javascript;charset=UTF-8',
      text: 'app.revoked({"error":"invalid_token"});',
    });
    expect((await jsonp({ callback: 'cb' })).text).toBe('cb({"error":"unsupported_token_type"});');
  });

  it('ignores a callback that is not a plain JavaScript name, and one on a POST', async () => {
    const tokens = await login(emulator);
    const hostile = await jsonp({ token: '00D5g000004EmUl!nope', callback: 'alert(1);x' });
    expect(hostile.status).toBe(400);
    expect(JSON.parse(hostile.text)).toEqual({ error: 'invalid_token', error_description: 'invalid token' });
    const posted = await revoke({ token: tokens['access_token'], callback: 'cb' });
    expect([posted.status, posted.text]).toEqual([200, '']);
  });
});

describe('revoke: the query string of a POST (§8, §10)', () => {
  function postWithQuery(target: RunningEmulator, token: string): Promise<Response> {
    return fetch(`${target.url}/services/oauth2/revoke?${new URLSearchParams({ token }).toString()}`, { method: 'POST' });
  }

  it('is not read by default: only the form body counts, and the error names the switch', async () => {
    const tokens = await login(emulator);
    const response = await postWithQuery(emulator, tokens['access_token'] ?? '');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'unsupported_token_type',
      error_description:
        "unsupported token type (salesforce-oauth-emulator reads a POST's parameters from its form body only, not from the query string; start it with acceptQueryParametersOnPost: true to read both)",
    });
    expect((await getIdentity(tokens['id'] ?? '', tokens['access_token'])).status).toBe(200);
  });

  it('is read with acceptQueryParametersOnPost', async () => {
    const lenient = await startEmulator({ apps: [confidentialApp()], acceptQueryParametersOnPost: true });
    try {
      const tokens = await login(lenient);
      expect((await postWithQuery(lenient, tokens['access_token'] ?? '')).status).toBe(200);
      expect(await getIdentity(tokens['id'] ?? '', tokens['access_token'])).toEqual(BAD_TOKEN);
    } finally {
      await lenient.close();
    }
  });
});

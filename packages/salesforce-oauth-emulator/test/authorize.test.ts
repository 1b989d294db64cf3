// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import {
  CLIENT_ID,
  PUBLIC_CLIENT_ID,
  REDIRECT_URI,
  authorize,
  authorizeParams,
  codeGrantForm,
  confidentialApp,
  obtainCode,
  postToken,
  publicApp,
  exchangeCode,
} from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    apps: [confidentialApp({ scopes: ['api', 'refresh_token', 'id', 'openid'] }), publicApp({ requirePkce: false })],
    sites: ['/mysite'],
    users: [
      { username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
      { username: 'Grace@Example.com', firstName: 'Grace', lastName: 'Hopper' },
      { username: 'inactive@example.com', active: false },
      { username: 'denier@example.com', decision: 'deny' },
    ],
  });
});

afterEach(async () => {
  await emulator.close();
});

/** A redirect to Salesforce's error page (§1.2, §9.2), which then shows the error. */
async function expectErrorPage(
  result: Awaited<ReturnType<typeof authorize>>,
  error: string,
  description: string,
  details: Array<[string, string]> = [],
): Promise<void> {
  expect(result.status).toBe(302);
  expect(result.location?.startsWith('/setup/secur/RemoteAccessErrorPage.apexp?')).toBe(true);
  expect(Object.fromEntries(result.query)).toMatchObject({ error, error_description: description });
  const page = await fetch(`${emulator.url}${result.location}`);
  expect(page.status).toBe(400);
  expect(page.headers.get('content-type')).toBe('text/html;charset=UTF-8');
  const body = await page.text();
  expect(body).toContain('<span class="errorcode">error=' + error + '</span>');
  expect(body).toContain('<span class="errordescription">error_description=' + description + '</span>');
  // What was received next to what is registered (HTML-escaped).
  const escape = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  expect(body).toContain(
    `<dl class="details">${details.map(([name, value]) => `<dt>${escape(name)}</dt><dd>${escape(value)}</dd>`).join('')}</dl>`,
  );
}

function expectErrorRedirect(result: Awaited<ReturnType<typeof authorize>>, error: string, description: string, state?: string): void {
  expect(result.status).toBe(302);
  expect(result.location?.startsWith(`${REDIRECT_URI}?`)).toBe(true);
  expect(Object.fromEntries(result.query)).toEqual({ error, error_description: description, ...(state === undefined ? {} : { state }) });
  // Salesforce encodes spaces as `+`, never `%20`.
  expect(result.location).toContain(`error_description=${description.replace(/ /g, '+').replace(/,/g, '%2C')}`);
}

describe('authorize: errors shown on the error page, never redirected', () => {
  it('rejects an unknown client_id, showing it next to the registered ones', async () => {
    const { params } = authorizeParams({ client_id: 'nope' });
    await expectErrorPage(await authorize(emulator, params), 'invalid_client_id', 'client identifier invalid', [
      ['client_id received', 'nope'],
      ['client_ids registered', `${CLIENT_ID}, ${PUBLIC_CLIENT_ID}`],
    ]);
  });

  it('rejects a missing client_id', async () => {
    const { params } = authorizeParams({ client_id: undefined });
    await expectErrorPage(await authorize(emulator, params), 'invalid_client_id', 'client identifier invalid', [
      ['client_id received', '(none)'],
      ['client_ids registered', `${CLIENT_ID}, ${PUBLIC_CLIENT_ID}`],
    ]);
  });

  it('checks the client before the redirect_uri', async () => {
    const { params } = authorizeParams({ client_id: 'nope', redirect_uri: undefined });
    await expectErrorPage(await authorize(emulator, params), 'invalid_client_id', 'client identifier invalid', [
      ['client_id received', 'nope'],
      ['client_ids registered', `${CLIENT_ID}, ${PUBLIC_CLIENT_ID}`],
    ]);
  });

  it('rejects a missing redirect_uri, showing the registered ones', async () => {
    const { params } = authorizeParams({ redirect_uri: undefined });
    await expectErrorPage(await authorize(emulator, params), 'redirect_uri_missing', 'redirect_uri not provided', [
      ['redirect_uri received', '(none)'],
      [`redirect_uris registered for ${CLIENT_ID}`, REDIRECT_URI],
    ]);
  });

  it.each([`${REDIRECT_URI}/`, REDIRECT_URI.toUpperCase(), `${REDIRECT_URI}?x=1`, 'https://evil.example/cb'])(
    'rejects a redirect_uri that is not an exact match: %s',
    async (redirectUri) => {
      const { params } = authorizeParams({ redirect_uri: redirectUri, response_type: 'token' });
      await expectErrorPage(await authorize(emulator, params), 'redirect_uri_mismatch', 'redirect_uri must match configuration', [
        ['redirect_uri received', redirectUri],
        [`redirect_uris registered for ${CLIENT_ID}`, REDIRECT_URI],
      ]);
    },
  );

  it('sends a site’s errors to the site’s error page (§1.2)', async () => {
    const result = await authorize(emulator, authorizeParams({ client_id: 'nope' }).params, '/mysite');
    expect(result.location).toBe(
      `/mysite/setup/secur/RemoteAccessErrorPage.apexp?error=invalid_client_id&error_description=client+identifier+invalid&client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
    );
    expect((await fetch(`${emulator.url}${result.location}`)).status).toBe(400);
    expect(emulator.requests.at(-1)?.endpoint).toBe('error');
  });

  it('shows whatever the error page’s query says as text, never markup', async () => {
    const query = new URLSearchParams({ error: '<script>x()</script>', error_description: '"><img src=x>' });
    const page = await fetch(`${emulator.url}/setup/secur/RemoteAccessErrorPage.apexp?${query.toString()}`);
    const body = await page.text();
    expect(body).toContain('error=&#60;script&#62;x()&#60;/script&#62;');
    expect(body).toContain('error_description=&#34;&#62;&#60;img src=x&#62;');
    expect(body).not.toContain('<script>');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe('authorize: errors redirected to the callback', () => {
  it('rejects a response_type other than code, echoing state', async () => {
    const { params } = authorizeParams({ response_type: 'token' });
    expectErrorRedirect(await authorize(emulator, params), 'unsupported_response_type', 'response type not supported', 'st-123');
  });

  it('leaves state out when none was sent', async () => {
    const { params } = authorizeParams({ response_type: undefined, state: undefined });
    const result = await authorize(emulator, params);
    expectErrorRedirect(result, 'unsupported_response_type', 'response type not supported');
    expect(result.query.has('state')).toBe(false);
  });

  it('rejects a blocked app with OAUTH_APP_BLOCKED', async () => {
    emulator.addApp(confidentialApp({ blocked: true }));
    const { params } = authorizeParams();
    expectErrorRedirect(await authorize(emulator, params), 'OAUTH_APP_BLOCKED', 'this app is blocked by admin', 'st-123');
  });

  it('checks response_type before the blocked flag', async () => {
    emulator.addApp(confidentialApp({ blocked: true }));
    const { params } = authorizeParams({ response_type: 'token' });
    expectErrorRedirect(await authorize(emulator, params), 'unsupported_response_type', 'response type not supported', 'st-123');
  });

  it('rejects a scope the app does not have', async () => {
    const { params } = authorizeParams({ scope: 'api full' });
    expectErrorRedirect(await authorize(emulator, params), 'invalid_scope', 'requested scope is invalid, unknown, or malformed', 'st-123');
  });

  it('requires a code_challenge when the app requires PKCE', async () => {
    const { params } = authorizeParams({ code_challenge: undefined, code_challenge_method: undefined });
    expectErrorRedirect(await authorize(emulator, params), 'invalid_request', 'missing required code challenge', 'st-123');
  });

  it('checks the scope before PKCE', async () => {
    const { params } = authorizeParams({ scope: 'web', code_challenge: undefined });
    expectErrorRedirect(await authorize(emulator, params), 'invalid_scope', 'requested scope is invalid, unknown, or malformed', 'st-123');
  });

  it.each(['plain', 'S512', 's256'])('rejects code_challenge_method=%s by default', async (method) => {
    const { params } = authorizeParams({ code_challenge_method: method });
    expectErrorRedirect(await authorize(emulator, params), 'invalid_request', 'unsupported code challenge method', 'st-123');
  });

  it('rejects an inactive user', async () => {
    const { params } = authorizeParams({ login_hint: 'inactive@example.com' });
    expectErrorRedirect(await authorize(emulator, params), 'inactive_user', 'user is inactive', 'st-123');
  });

  it('answers access_denied when the user denies', async () => {
    const { params } = authorizeParams({ login_hint: 'denier@example.com' });
    const result = await authorize(emulator, params);
    expectErrorRedirect(result, 'access_denied', 'end-user denied authorization', 'st-123');
    expect(result.location).toBe(`${REDIRECT_URI}?error=access_denied&error_description=end-user+denied+authorization&state=st-123`);
  });
});

describe('authorize: success', () => {
  it('redirects with an opaque aPrx…== code containing + and / and the state', async () => {
    const { params } = authorizeParams();
    const result = await authorize(emulator, params);
    expect(result.status).toBe(302);
    expect([...result.query.keys()]).toEqual(['code', 'state']);
    expect(result.query.get('state')).toBe('st-123');
    const code = result.query.get('code') ?? '';
    expect(code.startsWith('aPrx')).toBe(true);
    expect(code.endsWith('==')).toBe(true);
    expect(code).toContain('+');
    expect(code).toContain('/');
    // Percent-encoded on the wire, so a client must decode it once.
    expect(result.location).toContain('%3D%3D&state=st-123');
  });

  it('issues a different code each time', async () => {
    const first = await obtainCode(emulator);
    const second = await obtainCode(emulator);
    expect(first.code).not.toBe(second.code);
  });

  it('appends to a redirect_uri that already has a query, keeping it byte for byte', async () => {
    const withQuery = 'http://localhost:3000/cb?tenant=a%20b&x=1';
    emulator.addApp(confidentialApp({ redirectUris: [REDIRECT_URI, withQuery] }));
    const { params } = authorizeParams({ redirect_uri: withQuery });
    const result = await authorize(emulator, params);
    expect(result.status).toBe(302);
    expect(result.location).toMatch(/^http:\/\/localhost:3000\/cb\?tenant=a%20b&x=1&code=aPrx[^&]+&state=st-123$/);
  });

  it('ignores unknown parameters', async () => {
    const { params } = authorizeParams({
      prompt: 'login consent',
      display: 'touch',
      nonce: 'n-1',
      device_id: 'dev',
      sso_provider: 'Okta',
      immediate: 'false',
      whatever: 'x',
    });
    const result = await authorize(emulator, params);
    expect(result.status).toBe(302);
    expect(result.query.get('code')).toMatch(/^aPrx/);
  });

  it('succeeds without a challenge when the app does not require PKCE', async () => {
    const result = await authorize(emulator, {
      response_type: 'code',
      client_id: PUBLIC_CLIENT_ID,
      redirect_uri: REDIRECT_URI,
    });
    expect(result.status).toBe(302);
    expect([...result.query.keys()]).toEqual(['code']);
  });

  it('accepts code_challenge_method=plain when allowPlainPkce is set, and checks it at /token', async () => {
    await emulator.close();
    emulator = await startEmulator({ apps: [confidentialApp()], allowPlainPkce: true });
    const verifier = 'p'.repeat(50);
    const { code } = await obtainCode(emulator, { code_challenge: verifier, code_challenge_method: 'plain' });
    const token = await exchangeCode(emulator, code, verifier);
    expect(token.status).toBe(200);
  });
});

describe('authorize: what the code remembers', () => {
  async function exchange(code: string, codeVerifier: string): Promise<Record<string, unknown>> {
    const token = await exchangeCode(emulator, code, codeVerifier);
    expect(token.status).toBe(200);
    return token.json;
  }

  it('grants the requested scope normalised to single spaces', async () => {
    const { code, codeVerifier } = await obtainCode(emulator, { scope: '  api\t refresh_token   id ' });
    expect((await exchange(code, codeVerifier))['scope']).toBe('api refresh_token id');
  });

  it("grants the app's scopes when scope is omitted", async () => {
    const { code, codeVerifier } = await obtainCode(emulator, { scope: undefined });
    expect((await exchange(code, codeVerifier))['scope']).toBe('api refresh_token id openid');
  });

  it('logs in the user named by login_hint, case-insensitively', async () => {
    const grace = emulator.users.find((u) => u.username === 'Grace@Example.com');
    const { code, codeVerifier } = await obtainCode(emulator, { login_hint: 'grace@EXAMPLE.com' });
    expect((await exchange(code, codeVerifier))['id']).toBe(`${emulator.url}/id/${emulator.orgId}/${grace?.userId}`);
  });

  it('falls back to the first user for an unknown or absent login_hint', async () => {
    const ada = emulator.users[0];
    for (const hint of ['nobody@example.com', undefined]) {
      const { code, codeVerifier } = await obtainCode(emulator, { login_hint: hint });
      expect((await exchange(code, codeVerifier))['id']).toBe(`${emulator.url}/id/${emulator.orgId}/${ada?.userId}`);
    }
  });

  it('remembers an Experience Cloud site prefix and returns sfdc_community_url/id', async () => {
    const { code, codeVerifier } = await obtainCode(emulator, {}, '/mysite');
    const token = await postToken(emulator, codeGrantForm(code, codeVerifier), {}, '/mysite');
    expect(token.status).toBe(200);
    expect(token.json['sfdc_community_url']).toBe(`${emulator.url}/mysite`);
    expect(token.json['sfdc_community_id']).toMatch(/^0DB[A-Za-z0-9]{15}$/);
  });

  it('returns no sfdc_community fields for a login outside a site', async () => {
    const { code, codeVerifier } = await obtainCode(emulator);
    const json = await exchange(code, codeVerifier);
    expect(json).not.toHaveProperty('sfdc_community_url');
    expect(json).not.toHaveProperty('sfdc_community_id');
  });
});

// Section numbers (§N) refer to docs/salesforce-behaviour.md, where each behaviour has its public source.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { LoginState, PENDING_AUTHORIZATION_TTL_MS } from '../src/login-state.js';
import type { AuthorizationRequest } from '../src/authorization-request.js';
import { resolveApp } from '../src/state.js';
import { CLIENT_ID, REDIRECT_URI, authorizeParams, confidentialApp, exchangeCode, withoutUndefined, type Params } from './helpers.js';
import { PageBrowser, formAction, hiddenField, type PageResult } from './page-browser.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({
    interactive: true,
    sites: ['/partners'],
    apps: [confidentialApp({ name: 'Expense <Tracker>', scopes: ['api', 'id', 'refresh_token', 'openid'] })],
    users: [
      { username: 'ada@example.com', password: 'analytical', firstName: 'Ada', lastName: 'Lovelace' },
      { username: 'grace@example.com', password: 'cobol', firstName: 'Grace', lastName: 'Hopper' },
      { username: 'gone@example.com', password: 'gone', active: false },
    ],
  });
});

afterEach(async () => {
  await emulator.close();
});

function authorizePath(overrides: Params = {}, sitePrefix = ''): { path: string; codeVerifier: string } {
  const { params, codeVerifier } = authorizeParams({ scope: 'api refresh_token', ...overrides });
  return { path: `${sitePrefix}/services/oauth2/authorize?${new URLSearchParams(withoutUndefined(params)).toString()}`, codeVerifier };
}

function expectRedirectTo(result: PageResult, path: string): URL {
  expect(result.status).toBe(302);
  expect(result.location?.pathname).toBe(path);
  return result.location as URL;
}

function callbackQuery(result: PageResult): Record<string, string> {
  expect(result.status).toBe(302);
  expect(result.location?.href.startsWith(`${REDIRECT_URI}?`)).toBe(true);
  return Object.fromEntries(result.location?.searchParams ?? []);
}

async function logIn(browser: PageBrowser, loginUrl: URL, username: string, password: string): Promise<PageResult> {
  const page = await browser.get(loginUrl);
  expect(page.status).toBe(200);
  return browser.post(formAction(page.body), {
    request: hiddenField(page.body, 'request'),
    csrf: hiddenField(page.body, 'csrf'),
    username,
    pw: password,
  });
}

async function decide(browser: PageBrowser, approvalUrl: URL, decision: 'allow' | 'deny'): Promise<PageResult> {
  const page = await browser.get(approvalUrl);
  expect(page.status).toBe(200);
  return browser.post(formAction(page.body), {
    request: hiddenField(page.body, 'request'),
    csrf: hiddenField(page.body, 'csrf'),
    decision,
  });
}

/** Authorize → login page → approval page → Allow; resolves to the callback's query. */
async function fullLogin(
  browser: PageBrowser,
  username = 'ada@example.com',
  password = 'analytical',
  overrides: Params = {},
): Promise<{ query: Record<string, string>; codeVerifier: string }> {
  const { path, codeVerifier } = authorizePath(overrides);
  const loginUrl = expectRedirectTo(await browser.get(path), '/');
  const approvalUrl = expectRedirectTo(
    await logIn(browser, loginUrl, username, password),
    '/setup/secur/RemoteAccessAuthorizationPage.apexp',
  );
  return { query: callbackQuery(await decide(browser, approvalUrl, 'allow')), codeVerifier };
}

async function exchange(code: string, codeVerifier: string): Promise<Record<string, unknown>> {
  const result = await exchangeCode(emulator, code, codeVerifier);
  expect(result.status).toBe(200);
  return result.json;
}

describe('interactive authorize: login page', () => {
  it('is the root with ec=302, and its button is named Login, as jsforce’s browser-login helper expects (§2.4)', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    expect(loginUrl.href).toContain('/?ec=302&');
    const page = await browser.get(loginUrl);
    expect(page.body).toContain('<button class="button wide" type="submit" id="Login" name="Login">Log In</button>');
    expect(formAction(page.body)).toBe('/');
  });

  it('takes the new password after changePassword, and no longer the old one', async () => {
    emulator.changePassword('ada@example.com', 'engine');
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    expect((await logIn(browser, loginUrl, 'ada@example.com', 'analytical')).body).toContain('Please check your username and password.');
    expectRedirectTo(await logIn(browser, loginUrl, 'ada@example.com', 'engine'), '/setup/secur/RemoteAccessAuthorizationPage.apexp');
  });

  it('ages a login left on the page with advanceClock: after 10 minutes it has expired', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    const page = await browser.get(loginUrl);
    emulator.advanceClock(601);
    const result = await browser.post(formAction(page.body), {
      request: hiddenField(page.body, 'request'),
      csrf: hiddenField(page.body, 'csrf'),
      username: 'ada@example.com',
      pw: 'analytical',
    });
    expect(result.status).toBe(400);
    expect(result.body).toContain('This login request expired or was already used.');
  });

  it('sends a frozen user back to the app with inactive_user (§2.3)', async () => {
    emulator.freezeUser('ada@example.com');
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    expect(callbackQuery(await logIn(browser, loginUrl, 'ada@example.com', 'analytical'))).toEqual({
      error: 'inactive_user',
      error_description: 'user is inactive',
      state: 'st-123',
    });
  });

  it('sends a new browser to the login page with a session cookie, pre-filling login_hint', async () => {
    const browser = new PageBrowser(emulator);
    const { path } = authorizePath({ login_hint: 'grace@example.com' });
    const first = await browser.get(path);
    const loginUrl = expectRedirectTo(first, '/');
    expect(first.headers.get('set-cookie')).toMatch(/^sfemu_sid_\d+=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);

    const page = await browser.get(loginUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html;charset=UTF-8');
    expect(page.body).toContain('<title>Login | Salesforce Emulator</title>');
    expect(page.body).toContain('id="username" name="username" value="grace@example.com"');
    expect(page.body).toContain('type="password" id="password" name="pw"');
    // The app's name is escaped, never markup.
    expect(page.body).toContain('Expense &#60;Tracker&#62;');
    expect(page.body).not.toContain('<Tracker>');
  });

  it('serves every page uncached, unframeable and without script', async () => {
    const browser = new PageBrowser(emulator);
    const page = await browser.get(expectRedirectTo(await browser.get(authorizePath().path), '/'));
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.body).not.toMatch(/<script/i);
  });

  it('answers a wrong password and an unknown username with the same clear error, staying on the page', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    for (const [username, password] of [
      ['ada@example.com', 'wrong'],
      ['nobody@example.com', 'analytical'],
    ] as const) {
      const result = await logIn(browser, loginUrl, username, password);
      expect(result.status).toBe(200);
      expect(result.location).toBeNull();
      expect(result.body).toContain('Please check your username and password.');
      expect(result.body).toContain(`value="${username}"`);
    }
    // The request is still alive: the right password goes on to the approval page.
    expectRedirectTo(await logIn(browser, loginUrl, 'ada@example.com', 'analytical'), '/setup/secur/RemoteAccessAuthorizationPage.apexp');
  });

  it('escapes a hostile login_hint and username', async () => {
    const browser = new PageBrowser(emulator);
    const hostile = '"><script>alert(1)</script>';
    const loginUrl = expectRedirectTo(await browser.get(authorizePath({ login_hint: hostile }).path), '/');
    const page = await browser.get(loginUrl);
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('value="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"');
    const failed = await logIn(browser, loginUrl, hostile, 'x');
    expect(failed.body).not.toContain('<script>');
  });

  it('changes the session id when someone logs in', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    const before = [...browser.cookies.values()];
    await logIn(browser, loginUrl, 'ada@example.com', 'analytical');
    const after = [...browser.cookies.values()];
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });

  it('ends an inactive user’s login with inactive_user', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath({ state: 's1' }).path), '/');
    expect(callbackQuery(await logIn(browser, loginUrl, 'gone@example.com', 'gone'))).toEqual({
      error: 'inactive_user',
      error_description: 'user is inactive',
      state: 's1',
    });
  });
});

describe('interactive authorize: approval page', () => {
  it('names the app and its scopes, and Allow redirects back with a code for the user who logged in', async () => {
    const browser = new PageBrowser(emulator);
    const { path, codeVerifier } = authorizePath({ scope: 'api refresh_token id', state: 'st-9' });
    const loginUrl = expectRedirectTo(await browser.get(path), '/');
    const approvalUrl = expectRedirectTo(
      await logIn(browser, loginUrl, 'GRACE@example.com', 'cobol'),
      '/setup/secur/RemoteAccessAuthorizationPage.apexp',
    );
    const page = await browser.get(approvalUrl);
    expect(page.body).toContain('Allow Access?');
    expect(page.body).toContain('id="app-name">Expense &#60;Tracker&#62;</span> is asking to:');
    expect(page.body).toContain('Manage user data via APIs <code>(api)</code>');
    expect(page.body).toContain('Perform requests at any time <code>(refresh_token)</code>');
    expect(page.body).toContain('Access the identity URL service <code>(id)</code>');
    expect(page.body).toContain('<strong id="username">grace@example.com</strong>');
    expect(page.body).toContain('id="oaapprove"');

    const query = callbackQuery(await decide(browser, approvalUrl, 'allow'));
    expect(query['state']).toBe('st-9');
    const tokens = await exchange(query['code'] ?? '', codeVerifier);
    const grace = emulator.users.find((u) => u.username === 'grace@example.com');
    expect(tokens['id']).toBe(`${emulator.url}/id/${emulator.orgId}/${grace?.userId}`);
    expect(tokens['scope']).toBe('api refresh_token id');
  });

  it('Deny redirects back with access_denied and the state', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath({ state: 'st-d' }).path), '/');
    const approvalUrl = expectRedirectTo(
      await logIn(browser, loginUrl, 'ada@example.com', 'analytical'),
      '/setup/secur/RemoteAccessAuthorizationPage.apexp',
    );
    expect(callbackQuery(await decide(browser, approvalUrl, 'deny'))).toEqual({
      error: 'access_denied',
      error_description: 'end-user denied authorization',
      state: 'st-d',
    });
  });

  it('remembers an approval per user and app: the next login needs no page at all', async () => {
    const browser = new PageBrowser(emulator);
    await fullLogin(browser);
    const { path, codeVerifier } = authorizePath();
    const query = callbackQuery(await browser.get(path));
    expect(await exchange(query['code'] ?? '', codeVerifier)).toHaveProperty('access_token');
  });

  it('asks again for scopes beyond those approved', async () => {
    const browser = new PageBrowser(emulator);
    await fullLogin(browser);
    expectRedirectTo(await browser.get(authorizePath({ scope: 'api openid' }).path), '/setup/secur/RemoteAccessAuthorizationPage.apexp');
  });

  it('remembers approvals per user: another user is asked', async () => {
    await fullLogin(new PageBrowser(emulator), 'ada@example.com', 'analytical');
    const other = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await other.get(authorizePath().path), '/');
    expectRedirectTo(await logIn(other, loginUrl, 'grace@example.com', 'cobol'), '/setup/secur/RemoteAccessAuthorizationPage.apexp');
  });

  it('cannot be replayed: a decision ends the request', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    const approvalUrl = expectRedirectTo(
      await logIn(browser, loginUrl, 'ada@example.com', 'analytical'),
      '/setup/secur/RemoteAccessAuthorizationPage.apexp',
    );
    const page = await browser.get(approvalUrl);
    const form = { request: hiddenField(page.body, 'request'), csrf: hiddenField(page.body, 'csrf'), decision: 'allow' };
    callbackQuery(await browser.post(formAction(page.body), form));
    const again = await browser.post(formAction(page.body), form);
    expect(again.status).toBe(400);
    expect(again.body).toContain('Login expired');
  });

  it('sends a browser that is not logged in back to the login page', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    const approval = await browser.get(`/setup/secur/RemoteAccessAuthorizationPage.apexp${loginUrl.search}`);
    expectRedirectTo(approval, '/');
  });
});

describe('interactive authorize: prompt and immediate', () => {
  it('prompt=login shows the login page to a logged-in user, pre-filled with their username', async () => {
    const browser = new PageBrowser(emulator);
    await fullLogin(browser);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath({ prompt: 'login' }).path), '/');
    expect((await browser.get(loginUrl)).body).toContain('value="ada@example.com"');
    // Approval is remembered, so the login alone finishes it.
    callbackQuery(await logIn(browser, loginUrl, 'ada@example.com', 'analytical'));
  });

  it('prompt=consent shows the approval page even after an approval', async () => {
    const browser = new PageBrowser(emulator);
    await fullLogin(browser);
    const approvalUrl = expectRedirectTo(
      await browser.get(authorizePath({ prompt: 'consent' }).path),
      '/setup/secur/RemoteAccessAuthorizationPage.apexp',
    );
    expect(callbackQuery(await decide(browser, approvalUrl, 'allow'))).toHaveProperty('code');
  });

  it('prompt="login consent" shows both pages', async () => {
    const browser = new PageBrowser(emulator);
    await fullLogin(browser);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath({ prompt: 'login consent' }).path), '/');
    expectRedirectTo(await logIn(browser, loginUrl, 'ada@example.com', 'analytical'), '/setup/secur/RemoteAccessAuthorizationPage.apexp');
  });

  it('immediate=true answers immediate_unsuccessful when the user would have to log in or approve', async () => {
    const browser = new PageBrowser(emulator);
    const expected = { error: 'immediate_unsuccessful', error_description: 'immediate unsuccessful', state: 'st-123' };
    expect(callbackQuery(await browser.get(authorizePath({ immediate: 'true' }).path))).toEqual(expected);

    // Logged in (by a login whose approval was denied), but the app is not approved.
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    const approvalUrl = expectRedirectTo(
      await logIn(browser, loginUrl, 'ada@example.com', 'analytical'),
      '/setup/secur/RemoteAccessAuthorizationPage.apexp',
    );
    await decide(browser, approvalUrl, 'deny');
    expect(callbackQuery(await browser.get(authorizePath({ immediate: 'true' }).path))).toEqual(expected);
    expect(callbackQuery(await browser.get(authorizePath({ immediate: 'true', prompt: 'login' }).path))).toEqual(expected);
  });

  it('immediate=true answers with a code for a logged-in user who approved the app', async () => {
    const browser = new PageBrowser(emulator);
    await fullLogin(browser);
    const { path, codeVerifier } = authorizePath({ immediate: 'true' });
    const query = callbackQuery(await browser.get(path));
    expect(await exchange(query['code'] ?? '', codeVerifier)).toHaveProperty('access_token');
  });
});

describe('interactive authorize: sessions and forms', () => {
  it('asks for cookies when the browser sends none', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    browser.cookies.clear();
    const page = await browser.get(loginUrl);
    expect(page.status).toBe(400);
    expect(page.body).toContain('Cookies required');
  });

  it('refuses a login form without the session’s CSRF token', async () => {
    const browser = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await browser.get(authorizePath().path), '/');
    const page = await browser.get(loginUrl);
    for (const csrf of ['', 'forged']) {
      const result = await browser.post('/', {
        request: hiddenField(page.body, 'request'),
        csrf,
        username: 'ada@example.com',
        pw: 'analytical',
      });
      expect(result.status).toBe(403);
      expect(result.body).toContain('Request rejected');
    }
  });

  it('keeps a pending request to the browser that started it', async () => {
    const starter = new PageBrowser(emulator);
    const loginUrl = expectRedirectTo(await starter.get(authorizePath().path), '/');
    const page = await starter.get(loginUrl);

    const attacker = new PageBrowser(emulator);
    expectRedirectTo(await attacker.get(authorizePath().path), '/');
    expect((await attacker.get(loginUrl)).body).toContain('Login expired');
    const post = await attacker.post('/', {
      request: hiddenField(page.body, 'request'),
      csrf: hiddenField(page.body, 'csrf'),
      username: 'ada@example.com',
      pw: 'analytical',
    });
    expect(post.status).toBe(400);
  });

  it('logs out at /secur/logout.jsp: the next authorize shows the login page again', async () => {
    const browser = new PageBrowser(emulator);
    await fullLogin(browser);
    const logout = await browser.get('/secur/logout.jsp');
    expect(logout.status).toBe(200);
    expect(logout.body).toContain('You have logged out');
    expect(browser.cookies.size).toBe(0);
    expectRedirectTo(await browser.get(authorizePath().path), '/');
  });

  it('keeps the site prefix of an Experience Cloud login', async () => {
    const browser = new PageBrowser(emulator);
    const { path } = authorizePath({}, '/partners');
    const loginUrl = expectRedirectTo(await browser.get(path), '/partners/');
    const page = await browser.get(loginUrl);
    expect(formAction(page.body)).toBe('/partners/');
    expectRedirectTo(
      await logIn(browser, loginUrl, 'ada@example.com', 'analytical'),
      '/partners/setup/secur/RemoteAccessAuthorizationPage.apexp',
    );
  });

  it('still shows errors about the client on the error page, before any login', async () => {
    const browser = new PageBrowser(emulator);
    const errorPage = expectRedirectTo(
      await browser.get(authorizePath({ redirect_uri: 'https://evil.example/cb' }).path),
      '/setup/secur/RemoteAccessErrorPage.apexp',
    );
    const page = await browser.get(errorPage);
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.body).toContain('data-page="/setup/secur/RemoteAccessErrorPage.apexp"');
    expect(page.body).toContain('<span class="errorcode">error=redirect_uri_mismatch</span>');
    expect(page.body).toContain('<span class="errordescription">error_description=redirect_uri must match configuration</span>');
    expect(page.body).toContain('<title>Remote Access Error | Salesforce Emulator</title>');
    expect(page.body).toContain(
      `<dl class="details"><dt>redirect_uri received</dt><dd>https://evil.example/cb</dd><dt>redirect_uris registered for ${CLIENT_ID}</dt><dd>${REDIRECT_URI}</dd></dl>`,
    );
  });
});

describe('pending authorization requests', () => {
  const app = resolveApp(confidentialApp());
  const authorization: AuthorizationRequest = {
    app,
    redirectUri: REDIRECT_URI,
    state: 's',
    scopes: ['api'],
    codeChallenge: undefined,
    codeChallengeMethod: undefined,
    sitePrefix: '',
    nonce: undefined,
    loginHint: undefined,
    prompts: new Set(),
    immediate: false,
  };

  it(`expire after ${PENDING_AUTHORIZATION_TTL_MS / 60_000} minutes`, () => {
    let now = 1_000_000;
    const state = new LoginState({ cookieName: 'c', now: () => now });
    const session = state.newSession();
    const pending = state.addPending(session, authorization, false);
    now += PENDING_AUTHORIZATION_TTL_MS;
    expect(state.findPending(pending.id, session)).toBe(pending);
    now += 1;
    expect(state.findPending(pending.id, session)).toBeUndefined();
  });

  it('follow the browser across the session id change of a login', () => {
    const state = new LoginState({ cookieName: 'c' });
    const session = state.newSession();
    const pending = state.addPending(session, authorization, false);
    const renewed = state.logIn(session, '005000000000001AAA');
    expect(state.findPending(pending.id, renewed)).toBe(pending);
    expect(state.findPending(pending.id, session)).toBeUndefined();
    expect(state.sessionFromCookie(`other=1; c=${session.id}`)).toBeUndefined();
    expect(state.sessionFromCookie(`other=1; c=${renewed.id}`)).toBe(renewed);
  });
});

describe('headless mode (the default)', () => {
  it('serves no pages', async () => {
    const headless = await startEmulator();
    try {
      for (const path of ['/', '/setup/secur/RemoteAccessAuthorizationPage.apexp', '/secur/logout.jsp']) {
        const response = await fetch(`${headless.url}${path}`);
        expect(response.status).toBe(404);
        expect(headless.requests.at(-1)?.endpoint).toBe('other');
      }
    } finally {
      await headless.close();
    }
  });
});

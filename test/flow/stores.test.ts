import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import type { Request } from 'express';
import {
  CookiePendingLoginStore,
  type CookiePendingLoginStoreOptions,
  type PendingLoginRecord,
  type PendingLoginStateStore,
  type StateStoreMeta,
  type StateStoreStoreCallback,
  type StateStoreVerifyCallback,
} from '../../src/index.js';
import { STATE_FAILURES } from '../../src/pending-logins.js';
import { startEmulator } from 'salesforce-oauth-emulator';
import type { Browser } from '../helpers/browser.js';
import { CLIENT_ID, computeCodeChallenge, pendingLogins, startFixture, type Fixture, type FixtureOptions } from '../helpers/fixture.js';

const require = createRequire(import.meta.url);

const SECRET = 'a login-cookie secret of at least thirty-two characters';
const COOKIE = /^salesforce-pkce\.([\w-]{22})=([\w-]+); Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/;

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** An app with no session middleware, its pending logins in cookies. */
async function cookieApp(
  expressVersion: 4 | 5,
  store: Partial<CookiePendingLoginStoreOptions> = {},
  app: NonNullable<FixtureOptions['app']> = {},
): Promise<Fixture> {
  fixture = await startFixture({
    app: {
      ...app,
      expressVersion,
      withoutSession: true,
      strategy: { ...app.strategy, store: new CookiePendingLoginStore({ secret: SECRET, ...store }) },
    },
  });
  return fixture;
}

function setCookies(headers: Record<string, unknown>): string[] {
  const value = headers['set-cookie'];
  return Array.isArray(value) ? (value as string[]) : [];
}

/** Starts a login; returns the authorize URL and the pending login's cookie (name and value). */
async function startWithCookie(browser: Browser): Promise<{ authorizeURL: URL; name: string; value: string; handle: string }> {
  const response = await browser.agent.get('/login');
  expect(response.status).toBe(302);
  const cookies = setCookies(response.headers);
  const match = COOKIE.exec(cookies.at(-1) ?? '');
  if (!match) throw new Error(`no pending-login cookie in ${JSON.stringify(cookies)}`);
  const [, handle = '', value = ''] = match;
  return { authorizeURL: new URL(response.headers.location as string), name: `salesforce-pkce.${handle}`, value, handle };
}

describe.each([4, 5] as const)('CookiePendingLoginStore, without sessions, on Express %i', (expressVersion) => {
  it('keeps the pending login in one sealed, short-lived, HttpOnly, SameSite=Lax cookie, cleared by the callback', async () => {
    const f = await cookieApp(expressVersion);
    const browser = f.browser();
    const { authorizeURL, handle, name, value } = await startWithCookie(browser);
    expect(authorizeURL.searchParams.get('state')).toBe(handle);

    const callbackURL = await browser.authorize(authorizeURL);
    const response = await browser.callback(callbackURL);
    expect(response.body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' }, info: {} });
    expect(setCookies(response.headers)).toEqual([`${name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`]);

    const verifier = f.emulator.requestsTo('token')[0]?.body.code_verifier ?? '';
    expect(computeCodeChallenge(verifier)).toBe(authorizeURL.searchParams.get('code_challenge'));
    // Sealed: neither the verifier nor any JSON shows through the cookie.
    expect(Buffer.from(value, 'base64url').toString('latin1')).not.toContain(verifier);
    expect(Buffer.from(value, 'base64url').toString('latin1')).not.toContain('createdAt');
  });

  it('finishes several tabs in any order, each with its own cookie', async () => {
    const f = await cookieApp(expressVersion);
    const browser = f.browser();
    const tabs = [];
    for (let i = 0; i < 3; i += 1) tabs.push(await browser.authorize((await startWithCookie(browser)).authorizeURL));
    for (const tab of [tabs[1], tabs[2], tabs[0]]) expect((await browser.callback(tab as URL)).body.outcome).toBe('success');
    expect(f.app.verifyCalls).toHaveLength(3);
  });

  it('uses a cookie once: a replayed callback fails, and a kept copy of the cookie gets no further than the spent code', async () => {
    const f = await cookieApp(expressVersion);
    const browser = f.browser();
    const { authorizeURL, name, value } = await startWithCookie(browser);
    const callbackURL = await browser.authorize(authorizeURL);
    expect((await browser.callback(callbackURL)).body.outcome).toBe('success');

    const replay = await browser.callback(callbackURL);
    expect(replay.status).toBe(403);
    expect(replay.body).toEqual({ outcome: 'failure', info: { message: STATE_FAILURES.unknown } });

    const copied = await browser.raw(`${callbackURL.pathname}${callbackURL.search}`, { cookie: `${name}=${value}` });
    expect(JSON.parse(copied.text)).toMatchObject({ outcome: 'error', name: 'SalesforceOAuthError', error: 'invalid_grant' });
    expect(f.app.verifyCalls).toHaveLength(1);
  });

  it('refuses a cookie that was altered or moved to another login', async () => {
    const f = await cookieApp(expressVersion);
    const browser = f.browser();
    const first = await startWithCookie(browser);
    const second = await startWithCookie(browser);
    const callbackURL = await browser.authorize(first.authorizeURL);
    const target = `${callbackURL.pathname}${callbackURL.search}`;
    const flipped = `${first.value.slice(0, 20)}${first.value[20] === 'A' ? 'B' : 'A'}${first.value.slice(21)}`;

    for (const cookie of [`${first.name}=${flipped}`, `${first.name}=${second.value}`, `${first.name}=`]) {
      const response = await browser.raw(target, { cookie });
      expect(response.status, cookie).toBe(403);
      expect(JSON.parse(response.text)).toEqual({ outcome: 'failure', info: { message: STATE_FAILURES.unknown } });
    }
    expect(f.emulator.requestsTo('token')).toEqual([]);
    expect((await browser.callback(callbackURL)).body.outcome).toBe('success');
  });

  it('carries the OpenID nonce through the cookie', async () => {
    const f = await cookieApp(expressVersion, {}, { strategy: { scope: ['openid', 'api'] } });
    const browser = f.browser();
    const { authorizeURL } = await startWithCookie(browser);
    expect((await browser.callback(await browser.authorize(authorizeURL))).body.outcome).toBe('success');
    expect(f.app.verifyCalls[0]?.params.id_token_claims).toMatchObject({ nonce: authorizeURL.searchParams.get('nonce') });
  });

  it('carries the login base a request chose through the cookie', async () => {
    const other = await startEmulator({
      orgId: '00D5g000007OthErAA',
      users: [{ username: 'grace@other.example', firstName: 'Grace', lastName: 'Hopper' }],
    });
    try {
      const f = await cookieApp(
        expressVersion,
        {},
        { strategy: { allowedLoginURLs: [other.url] }, authenticateOptions: () => ({ loginURL: other.url }) },
      );
      other.addApp({ clientId: CLIENT_ID, redirectUris: [`${f.app.url}/auth/salesforce/callback`] });
      const browser = f.browser();
      const { authorizeURL } = await startWithCookie(browser);
      expect(authorizeURL.origin).toBe(other.url);
      const response = await browser.callback(await browser.authorize(authorizeURL));
      expect(response.body).toMatchObject({
        outcome: 'success',
        user: { username: 'grace@other.example', organizationId: '00D5g000007OthErAA' },
      });
      expect(other.requestsTo('token')).toHaveLength(1);
      expect(f.emulator.requests).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("refuses a pending login older than the strategy's pendingLoginTtl, whatever the cookie's own age", async () => {
    const f = await cookieApp(expressVersion, {}, { strategy: { pendingLoginTtl: 0.05 } });
    const browser = f.browser();
    const callbackURL = await browser.authorize((await startWithCookie(browser)).authorizeURL);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const response = await browser.callback(callbackURL);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ outcome: 'failure', info: { message: STATE_FAILURES.expired } });
    expect(f.emulator.requestsTo('token')).toEqual([]);
  });

  it('keeps at most max cookies per browser, clearing the oldest', async () => {
    const f = await cookieApp(expressVersion, { max: 2 });
    const browser = f.browser();
    const first = await startWithCookie(browser);
    const second = await startWithCookie(browser);
    const third = await browser.agent.get('/login');
    expect(setCookies(third.headers)).toEqual([`${first.name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`, expect.stringMatching(COOKIE)]);
    expect((await browser.callback(await browser.authorize(first.authorizeURL))).body.info).toEqual({ message: STATE_FAILURES.unknown });
    expect((await browser.callback(await browser.authorize(second.authorizeURL))).body.outcome).toBe('success');
    expect((await browser.callback(await browser.authorize(new URL(third.headers.location as string)))).body.outcome).toBe('success');
  });

  it('hands the state option back as info.state', async () => {
    const f = await cookieApp(expressVersion, {}, { authenticateOptions: () => ({ state: { returnTo: '/reports' } }) });
    const browser = f.browser();
    const response = await browser.callback(await browser.authorize((await startWithCookie(browser)).authorizeURL));
    expect(response.body).toMatchObject({ outcome: 'success', info: { state: { returnTo: '/reports' } } });
  });

  it('refuses a state too large for a cookie before any redirect', async () => {
    const f = await cookieApp(expressVersion, {}, { authenticateOptions: () => ({ state: { note: 'x'.repeat(4000) } }) });
    const response = await f.browser().agent.get('/login');
    expect(response.body).toMatchObject({
      outcome: 'error',
      name: 'SalesforceError',
      code: 'STATE_STORE_FAILED',
      message: expect.stringMatching(/^The pending login does not fit in a cookie \(\d+ bytes\): keep authenticate's "state" small$/),
    });
    expect(setCookies(response.headers)).toEqual([]);
  });

  it('marks the cookie Secure with the __Host- prefix when asked to', async () => {
    const f = await cookieApp(expressVersion, { secure: true });
    const response = await f.browser().agent.get('/login');
    const state = new URL(response.headers.location as string).searchParams.get('state');
    expect(setCookies(response.headers)).toEqual([
      expect.stringMatching(new RegExp(`^__Host-salesforce-pkce\\.${state}=[\\w-]+; Max-Age=600; Path=/; HttpOnly; SameSite=Lax; Secure$`)),
    ]);
  });
});

describe.each([4, 5] as const)('a state store written for passport-oauth2, on Express %i', (expressVersion) => {
  it("logs in with passport-oauth2's own PKCE session store plugged in", async () => {
    const PKCESessionStore = require('passport-oauth2/lib/state/pkcesession.js') as new (options: {
      key: string;
    }) => PendingLoginStateStore;
    const f = (fixture = await startFixture({
      app: { expressVersion, strategy: { store: new PKCESessionStore({ key: 'oauth2:salesforce' }) } },
    }));
    const browser = f.browser();
    const authorizeURL = await browser.startLogin();
    const { session } = await browser.me();
    expect(pendingLogins(session)).toEqual({});
    expect(session?.['oauth2:salesforce']).toMatchObject({
      state: {
        handle: authorizeURL.searchParams.get('state'),
        code_verifier: expect.any(String),
        state: { createdAt: expect.any(Number) },
      },
    });
    const response = await browser.callback(await browser.authorize(authorizeURL));
    expect(response.body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' }, info: {} });
  });

  it("hands passport-oauth2's meta to store() and to a verify() that takes four arguments", async () => {
    const PKCESessionStore = require('passport-oauth2/lib/state/pkcesession.js') as new (options: {
      key: string;
    }) => PendingLoginStateStore & {
      verify(req: Request, handle: string, callback: StateStoreVerifyCallback): void;
    };
    const inner = new PKCESessionStore({ key: 'oauth2:salesforce' });
    const metas: StateStoreMeta[] = [];
    const recording: PendingLoginStateStore = {
      store(req, verifier, state, meta, callback) {
        metas.push(meta);
        inner.store(req, verifier, state, meta, callback);
      },
      verify(req: Request, handle: string, meta: StateStoreMeta, callback: StateStoreVerifyCallback) {
        metas.push(meta);
        inner.verify(req, handle, callback);
      },
    };
    const f = (fixture = await startFixture({ app: { expressVersion, strategy: { store: recording } } }));
    expect((await f.browser().login()).body.outcome).toBe('success');
    const meta = {
      authorizationURL: `${f.emulator.url}/services/oauth2/authorize`,
      tokenURL: `${f.emulator.url}/services/oauth2/token`,
      clientID: CLIENT_ID,
      callbackURL: `${f.app.url}/auth/salesforce/callback`,
    };
    expect(metas).toEqual([meta, meta]);
  });
});

describe('a state store that breaks its contract', () => {
  /** Keeps pending logins in a Map (tests only: nothing ties them to a browser), spoiling one step. */
  function storeThat(spoil: {
    store?: (callback: StateStoreStoreCallback) => void;
    verify?: (callback: StateStoreVerifyCallback, verifier: string, state: unknown) => void;
  }): PendingLoginStateStore {
    const kept = new Map<string, [string, unknown]>();
    return {
      store(_req, verifier, state, _meta, callback) {
        if (spoil.store) return spoil.store(callback);
        const handle = `handle-${kept.size}`;
        kept.set(handle, [verifier, state]);
        callback(null, handle);
      },
      verify(_req: Request, handle: string, callback: StateStoreVerifyCallback) {
        const [verifier, state] = kept.get(handle) ?? ['', undefined];
        kept.delete(handle);
        if (spoil.verify) spoil.verify(callback, verifier, state);
        else callback(null, verifier, state as PendingLoginRecord);
      },
    };
  }

  it.each([
    [
      'calls back without a handle',
      storeThat({ store: (callback) => callback(null, '') }),
      'The state store called back without a handle for the pending login',
    ],
    [
      'throws',
      storeThat({
        store: () => {
          throw new Error('store offline');
        },
      }),
      'store offline',
    ],
    ['calls back an error', storeThat({ store: (callback) => callback(new Error('store full')) }), 'store full'],
  ])('errs before any redirect when store() %s', async (_label, store, message) => {
    const f = (fixture = await startFixture({ app: { strategy: { store } } }));
    const response = await f.browser().agent.get('/login');
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ outcome: 'error', message });
    expect(f.emulator.requests).toEqual([]);
  });

  it.each([
    [
      'hands back the app state instead of the record',
      (callback: StateStoreVerifyCallback, verifier: string) => callback(null, verifier, { returnTo: '/x' } as never),
      500,
      {
        outcome: 'error',
        name: 'SalesforceError',
        code: 'STATE_STORE_FAILED',
        message:
          "The state store's verify() handed back a pending login unlike the one store() was given: a store must keep the verifier and state unchanged",
      },
    ],
    [
      'calls back an error',
      (callback: StateStoreVerifyCallback) => callback(new Error('store offline')),
      500,
      { outcome: 'error', message: 'store offline' },
    ],
    [
      'says no without a message',
      (callback: StateStoreVerifyCallback) => callback(null, false),
      403,
      { outcome: 'failure', info: { message: STATE_FAILURES.unknown } },
    ],
    [
      'says no with its own message',
      (callback: StateStoreVerifyCallback) => callback(null, false, { message: 'Start again.' }),
      403,
      { outcome: 'failure', info: { message: 'Start again.' } },
    ],
  ] as const)('ends the callback cleanly when verify() %s', async (_label, verify, status, body) => {
    const f = (fixture = await startFixture({ app: { strategy: { store: storeThat({ verify }) } } }));
    const response = await f.browser().login();
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject(body);
    expect(f.emulator.requestsTo('token')).toEqual([]);
  });
});

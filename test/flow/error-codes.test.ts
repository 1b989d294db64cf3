import net from 'node:net';
import session from 'express-session';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, SalesforceError } from '../../src/errors.js';
import { SalesforcePkceStrategy } from '../../src/index.js';
import { startFixture, type Fixture } from '../helpers/fixture.js';

/**
 * Every error the strategy raises carries a stable `code`, so an app can branch on `err.code`
 * alone: Salesforce's answers (see failures.test.ts) and the app-side situations here.
 */

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A session store that cannot write, as a Redis that is down would be. */
class FailingStore extends session.MemoryStore {
  override set(_sid: string, _session: session.SessionData, callback?: (err?: unknown) => void): void {
    callback?.(new Error('store unavailable'));
  }
}

/** GET `path` over HTTP/1.0 without a Host header, which Node's server accepts. */
function getWithoutHost(url: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(`GET ${path} HTTP/1.0\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    socket.on('end', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(body) as Record<string, unknown> });
    });
    socket.on('error', reject);
  });
}

describe('error codes', () => {
  it('a session that cannot be saved before the redirect: SESSION_SAVE_FAILED', async () => {
    const f = (fixture = await startFixture({ app: { sessionStore: new FailingStore() } }));
    const response = await f.browser().agent.get('/login');
    expect(response.status).toBe(500);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toEqual({
      outcome: 'error',
      name: 'SalesforceError',
      code: 'SESSION_SAVE_FAILED',
      message: 'The session could not be saved before the redirect to Salesforce',
    });
    expect(f.app.errors[0]).toBeInstanceOf(SalesforceError);
    expect(f.app.errors[0]?.cause).toEqual(new Error('store unavailable'));
  });

  it('a request without a Host header and a relative callbackURL: HOST_HEADER_MISSING', async () => {
    const f = (fixture = await startFixture());
    const response = await getWithoutHost(f.app.url, '/login');
    expect(response).toEqual({
      status: 500,
      body: {
        outcome: 'error',
        name: 'SalesforceError',
        code: 'HOST_HEADER_MISSING',
        message: 'The callback URL cannot be resolved: the request has no Host header',
      },
    });
    expect(f.emulator.requests).toHaveLength(0);
  });

  it('an allow-list that no longer allows the login base of a pending login: LoginURLNotAllowedError / LOGIN_URL_NOT_ALLOWED, no token request', async () => {
    let allowed = true;
    const f = (fixture = await startFixture({
      app: {
        // Another loopback base as loginURL, so that a function may admit the emulator's.
        strategy: { loginURL: 'http://127.0.0.1:9', allowedLoginURLs: () => allowed },
        authenticateOptions: () => ({ loginURL: emulatorUrl() }),
      },
    }));
    function emulatorUrl(): string {
      return f.emulator.url;
    }
    const browser = f.browser();
    const callbackURL = await browser.authorize(await browser.startLogin());
    allowed = false;
    const response = await browser.callback(callbackURL);
    expect(response.body).toEqual({
      outcome: 'error',
      name: 'LoginURLNotAllowedError',
      code: 'LOGIN_URL_NOT_ALLOWED',
      message: `loginURL ${f.emulator.url} is not in allowedLoginURLs`,
    });
    expect(f.emulator.requestsTo('token')).toHaveLength(0);
  });

  it.each([
    [
      'a bad authenticate option',
      { prompt: 'none' },
      'authenticate option "prompt" must be "login", "consent", "select_account" or several of them space-separated',
    ],
    [
      'a state that is not JSON',
      { state: { at: new Date(0) } },
      'authenticate option "state" must be JSON-serialisable (plain objects, arrays, strings, numbers, booleans, null)',
    ],
  ])('%s: InvalidOptionError, a TypeError / INVALID_OPTION', async (_label, options, message) => {
    const f = (fixture = await startFixture({ app: { authenticateOptions: () => options as never } }));
    const response = await f.browser().agent.get('/login');
    expect(response.body).toEqual({ outcome: 'error', name: 'InvalidOptionError', code: 'INVALID_OPTION', message });
    expect(f.app.errors[0]).toBeInstanceOf(TypeError);
  });

  it('a constructor option or a refresh argument: InvalidOptionError, a TypeError / INVALID_OPTION', async () => {
    const build = (): unknown => new SalesforcePkceStrategy({ clientID: 'x', callbackURL: '/cb', requestTimeout: -1 }, () => undefined);
    expect(build).toThrow(TypeError);
    expect(build).toThrow(expect.objectContaining({ name: 'InvalidOptionError', code: 'INVALID_OPTION' }));
    const f = (fixture = await startFixture());
    await expect(f.app.strategy.refresh('')).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(f.app.strategy.revoke('x', { loginURL: 'not a url' })).rejects.toMatchObject({
      name: 'InvalidOptionError',
      code: 'INVALID_OPTION',
    });
  });

  it.each([
    [
      'throws a string',
      () => {
        throw 'user store down';
      },
    ],
    ['rejects with undefined', () => Promise.reject(undefined)],
  ])('a verify callback that %s: VERIFY_CALLBACK_FAILED, with the value as cause', async (_label, verify) => {
    const f = (fixture = await startFixture({ app: { verify: verify as never } }));
    const response = await f.browser().login();
    expect(response.body).toMatchObject({ outcome: 'error', name: 'SalesforceError', code: 'VERIFY_CALLBACK_FAILED' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { STATE_FAILURES } from '../../src/pending-logins.js';
import { Browser } from '../helpers/browser.js';
import { startTlsProxy, type TlsProxy } from './tls-proxy.js';

/**
 * The logins every framework suite runs against its own app, over real HTTP against the emulator.
 *
 * Each app is wired the way its framework's documentation wires a passport-oauth2 strategy, and
 * serves the same routes:
 * - `GET /auth/salesforce` starts the login;
 * - `GET /auth/salesforce/callback` finishes it: 302 to `/` on success, a failure answers its
 *   status with `{ message }`;
 * - `GET /` answers `{ user }`, the user of the session (`null` without one).
 */

export const CLIENT_ID = '3MVG9framework.suite.client';
export const CALLBACK_PATH = '/auth/salesforce/callback';

/** The user the app keeps in its session: what its verify callback made of the login. */
export interface AppUser {
  id: string;
  name: string;
  /** `params.instance_url`, for the verify forms that are given the token response. */
  instanceUrl?: string;
}

export interface FrameworkApp {
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The emulator's URL, the strategy's `loginURL`. */
  loginURL: string;
  /** Turn on the framework's own setting for a trusted TLS-terminating proxy in front of the app. */
  behindProxy: boolean;
}

export type StartApp = (options: StartOptions) => Promise<FrameworkApp>;

/** The user the emulator logs in by default, as the apps' verify callbacks keep them. */
export function expectedUser(emulator: RunningEmulator, withParams: boolean): AppUser {
  const [user] = emulator.users;
  if (!user) throw new Error('the emulator has no user');
  return { id: user.userId, name: `${user.firstName} ${user.lastName}`, ...(withParams ? { instanceUrl: emulator.url } : {}) };
}

/**
 * The four logins of every framework suite: a full login, two tabs finished in either order, a
 * replayed callback refused, and a login behind a TLS-terminating proxy trusted with the
 * framework's own setting.
 *
 * @param withParams whether the app's verify form is given the token response (`instanceUrl` kept).
 */
export function describeLogins(title: string, start: StartApp, withParams = true): void {
  describe(title, () => {
    let emulator: RunningEmulator | undefined;
    let app: FrameworkApp | undefined;
    let proxy: TlsProxy | undefined;

    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
      await app?.close();
      await emulator?.close();
      app = undefined;
      emulator = undefined;
    });

    async function startBoth(behindProxy = false): Promise<{ emulator: RunningEmulator; app: FrameworkApp; browser: Browser }> {
      emulator = await startEmulator();
      app = await start({ loginURL: emulator.url, behindProxy });
      emulator.addApp({ clientId: CLIENT_ID, redirectUris: [`${app.url}${CALLBACK_PATH}`] });
      return { emulator, app, browser: new Browser(app.url) };
    }

    it('logs a user in', async () => {
      const { emulator, app, browser } = await startBoth();
      const authorizeURL = await browser.startLogin('/auth/salesforce');
      expect(authorizeURL.searchParams.get('redirect_uri')).toBe(`${app.url}${CALLBACK_PATH}`);
      const callback = await browser.callback(await browser.authorize(authorizeURL));
      expect([callback.status, callback.headers.location]).toEqual([302, '/']);
      expect((await browser.agent.get('/')).body).toEqual({ user: expectedUser(emulator, withParams) });
    });

    it.each(['first', 'second'] as const)('logs in from two tabs, the %s one started finishing first', async (firstDone) => {
      const { emulator, browser } = await startBoth();
      const tabs = [await browser.startLogin('/auth/salesforce'), await browser.startLogin('/auth/salesforce')];
      const callbacks = [await browser.authorize(tabs[0] as URL), await browser.authorize(tabs[1] as URL)];
      if (firstDone === 'second') callbacks.reverse();
      for (const callbackURL of callbacks) {
        const callback = await browser.callback(callbackURL);
        expect([callback.status, callback.headers.location, callback.body]).toEqual([302, '/', expect.anything()]);
        expect((await browser.agent.get('/')).body).toEqual({ user: expectedUser(emulator, withParams) });
      }
      expect(emulator.requestsTo('token')).toHaveLength(2);
    });

    it('refuses a replayed callback, without a second code exchange', async () => {
      const { emulator, browser } = await startBoth();
      const callbackURL = await browser.authorize(await browser.startLogin('/auth/salesforce'));
      expect((await browser.callback(callbackURL)).status).toBe(302);
      const replay = await browser.callback(callbackURL);
      expect([replay.status, replay.body.message]).toEqual([403, STATE_FAILURES.unknown]);
      expect(emulator.requestsTo('token')).toHaveLength(1);
    });

    it('refuses a replayed denial: the pending login was used by the first', async () => {
      const { browser } = await startBoth();
      const state = (await browser.startLogin('/auth/salesforce')).searchParams.get('state');
      const denial = new URL(
        `${CALLBACK_PATH}?error=access_denied&error_description=end-user+denied+authorization&state=${state}`,
        app?.url,
      );
      const denied = await browser.callback(denial);
      expect([denied.status, denied.body.message]).toEqual([401, 'end-user denied authorization']);
      const replay = await browser.callback(denial);
      expect([replay.status, replay.body.message]).toEqual([403, STATE_FAILURES.unknown]);
    });

    it('ignores X-Forwarded-Proto from a proxy the framework was not told to trust', async () => {
      const { app, browser } = await startBoth(false);
      const started = await browser.agent.get('/auth/salesforce').set({ 'x-forwarded-proto': 'https' });
      expect(new URL(started.headers.location as string).searchParams.get('redirect_uri')).toBe(`${app.url}${CALLBACK_PATH}`);
    });

    it("logs in behind a TLS-terminating proxy the framework's own setting trusts, with an https redirect_uri", async () => {
      const { emulator, app } = await startBoth(true);
      proxy = await startTlsProxy(app.url);
      const httpsCallback = `${proxy.url}${CALLBACK_PATH}`;
      emulator.addApp({ clientId: CLIENT_ID, redirectUris: [httpsCallback] });
      const browser = new Browser(proxy.url);
      browser.agent.ca(proxy.ca);
      const authorizeURL = await browser.startLogin('/auth/salesforce');
      expect(authorizeURL.searchParams.get('redirect_uri')).toBe(httpsCallback);
      const callback = await browser.callback(await browser.authorize(authorizeURL));
      expect([callback.status, callback.headers.location]).toEqual([302, '/']);
      expect(emulator.requestsTo('token')[0]?.body.redirect_uri).toBe(httpsCallback);
      expect((await browser.agent.get('/')).body).toEqual({ user: expectedUser(emulator, withParams) });
    });
  });
}

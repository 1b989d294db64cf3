import { afterEach, describe, expect, it } from 'vitest';
import { STATE_FAILURES } from '../../src/pending-logins.js';
import type { Browser } from '../helpers/browser.js';
import { pendingLogins, startFixture, type Fixture } from '../helpers/fixture.js';

/**
 * Many logins at once through one app: every session must end with exactly its own user, with no
 * error and no pending login left behind, however the requests interleave.
 */

let fixture: Fixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const usernames = (count: number): string[] => Array.from({ length: count }, (_, i) => `user${String(i).padStart(3, '0')}@example.com`);

async function startLoadFixture(users: string[]): Promise<Fixture> {
  return startFixture({
    emulator: { users: users.map((username, i) => ({ username, firstName: 'User', lastName: String(i) })) },
    app: { authenticateOptions: (req) => ({ loginHint: String(req.query.user), state: { for: String(req.query.user) } }) },
  });
}

const loginPath = (username: string): string => `/login?user=${encodeURIComponent(username)}`;

describe('load', () => {
  it('logs 150 different users in concurrently through one app, each session with exactly its own user', async () => {
    const users = usernames(150);
    const f = (fixture = await startLoadFixture(users));
    const { emulator, app } = f;
    const browsers = users.map(() => f.browser());

    const responses = await Promise.all(browsers.map((browser, i) => browser.login(loginPath(users[i] ?? ''))));
    const sessions = await Promise.all(browsers.map((browser) => browser.me()));

    users.forEach((username, i) => {
      const userId = emulator.users.find((user) => user.username === username)?.userId;
      expect(responses[i]?.body).toEqual({
        outcome: 'success',
        user: { id: userId, username, organizationId: emulator.orgId },
        info: { state: { for: username } },
      });
      expect(sessions[i]?.user).toEqual({ id: userId, username, organizationId: emulator.orgId });
      expect(pendingLogins(sessions[i]?.session ?? null)).toEqual({});
    });
    expect(app.errors).toEqual([]);
    expect(app.verifyCalls.map((call) => call.profile.username).sort()).toEqual(users);
    expect(new Set(app.verifyCalls.map((call) => call.accessToken)).size).toBe(users.length);
    const tokenRequests = emulator.requestsTo('token');
    expect(tokenRequests).toHaveLength(users.length);
    expect(new Set(tokenRequests.map((request) => request.body.code_verifier)).size).toBe(users.length);
    // Each identity request carried the access token of the login it belongs to.
    const identityTokens = emulator.requestsTo('identity').map((request) => request.headers.authorization);
    expect(identityTokens.sort()).toEqual(app.verifyCalls.map((call) => `Bearer ${call.accessToken}`).sort());
  });

  it('finishes 40 sessions × 3 tabs under load, each tab returning to its own session and state', async () => {
    const users = usernames(40);
    const f = (fixture = await startLoadFixture(users));
    const { emulator, app } = f;

    async function session(username: string): Promise<{ browser: Browser; results: unknown[] }> {
      const browser = f.browser();
      // Tabs open one after another (each needs its own round trip), and come back in reverse order.
      const tabs: URL[] = [];
      for (let tab = 0; tab < 3; tab += 1) tabs.push(await browser.startLogin(`${loginPath(username)}&tab=${tab}`));
      const callbacks = await Promise.all(tabs.map((authorizeURL) => browser.authorize(authorizeURL)));
      const results: unknown[] = [];
      for (const callbackURL of callbacks.reverse()) results.push((await browser.callback(callbackURL)).body);
      return { browser, results };
    }

    const outcomes = await Promise.all(users.map((username) => session(username)));
    for (const [i, { browser, results }] of outcomes.entries()) {
      const username = users[i] ?? '';
      const user = { id: emulator.users.find((u) => u.username === username)?.userId, username, organizationId: emulator.orgId };
      expect(results).toEqual([0, 1, 2].map(() => ({ outcome: 'success', user, info: { state: { for: username } } })));
      const { user: sessionUser, session: data } = await browser.me();
      expect(sessionUser).toEqual(user);
      expect(pendingLogins(data)).toEqual({});
    }
    expect(app.errors).toEqual([]);
    expect(app.verifyCalls).toHaveLength(users.length * 3);
  });
});

describe.each([
  ['a new browser, whose simultaneous starts each create a session (the last cookie wins)', false],
  ['a browser with a session, whose simultaneous saves race in the store', true],
])('several tabs at the same instant in %s', (_label, withSession) => {
  it('never crosses users or errors: each tab logs in its own user or, if its entry was lost, is refused as unknown', async () => {
    const users = usernames(30);
    const f = (fixture = await startLoadFixture(users));
    const { emulator, app } = f;
    const counts = { success: 0, unknown: 0 };

    await Promise.all(
      users.map(async (username) => {
        const browser = f.browser();
        const user = { id: emulator.users.find((u) => u.username === username)?.userId, username, organizationId: emulator.orgId };
        // An abandoned login gives the browser a session that the tabs below then share.
        if (withSession) await browser.startLogin(loginPath(username));
        // Three tabs started and finished at the same instant: express-session stores have no
        // locking, so concurrent saves of one session race (the last write wins).
        const tabs = await Promise.all([0, 1, 2].map(() => browser.startLogin(loginPath(username)).then((url) => browser.authorize(url))));
        const bodies = (await Promise.all(tabs.map((callbackURL) => browser.callback(callbackURL)))).map(
          (response) => response.body as Record<string, unknown>,
        );
        // The last save of the starts always keeps its own entry, so at least that tab logs in.
        expect(bodies.filter((body) => body.outcome === 'success').length).toBeGreaterThanOrEqual(1);
        for (const body of bodies) {
          if (body.outcome === 'success') {
            counts.success += 1;
            expect(body).toEqual({ outcome: 'success', user, info: { state: { for: username } } });
          } else {
            counts.unknown += 1;
            expect(body).toEqual({ outcome: 'failure', info: { message: STATE_FAILURES.unknown } });
          }
        }
        expect((await browser.me()).user).toEqual(user);
        // Whatever the race did, the same browser logs in cleanly afterwards.
        expect((await browser.login(loginPath(username))).body).toEqual({ outcome: 'success', user, info: { state: { for: username } } });
        expect((await browser.me()).user).toEqual(user);
      }),
    );
    expect(app.errors).toEqual([]);
    expect(counts.success + counts.unknown).toBe(users.length * 3);
    expect(app.verifyCalls).toHaveLength(counts.success + users.length);
  });
});

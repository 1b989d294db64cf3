import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { STATE_FAILURES } from '../../src/pending-logins.js';
import { Browser } from '../helpers/browser.js';
import { CLIENT_ID, pendingLogins } from '../helpers/fixture.js';
import { buildInstanceScript, removeBuild, startInstance, type Instance } from './instances.js';

/**
 * Two app processes with no shared memory, sharing one real Redis session store (connect-redis
 * with the `redis` client), behind an imaginary load balancer: both serve the same public
 * callback URL, and the browser's one cookie jar goes to whichever instance it is sent to.
 * Needs REDIS_URL (`.ci/run` starts redis-server and sets it); run with `npm run test:redis`.
 */

const REDIS_URL = process.env.REDIS_URL;
const CALLBACK_URL = 'https://app.example.test/auth/salesforce/callback';
const SESSION_KEY = 'salesforce-pkce:salesforce';

let build: string | undefined;
let emulator: RunningEmulator;
let redis: ReturnType<typeof createClient>;
let prefix: string;
let instances: Instance[] = [];

beforeAll(async () => {
  if (!REDIS_URL) throw new Error('REDIS_URL is not set: start redis-server and export REDIS_URL=redis://127.0.0.1:<port> (see .ci/run)');
  redis = createClient({ url: REDIS_URL });
  await redis.connect();
  build = await buildInstanceScript();
  emulator = await startEmulator({
    // Dozens of logins of the same two users: Salesforce's limit of 5 grants per user and app would
    // revoke earlier logins' tokens while they are still being used, which is not what this tests.
    maxGrantsPerUserPerApp: false,
    users: [
      { username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
      { username: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' },
    ],
  });
  emulator.addApp({ clientId: CLIENT_ID, redirectUris: [CALLBACK_URL] });
  prefix = `passport-salesforce-pkce-test:${randomBytes(6).toString('hex')}:`;
  instances = await Promise.all(
    [0, 1].map(() =>
      startInstance(build as string, {
        REDIS_URL: REDIS_URL ?? '',
        REDIS_PREFIX: prefix,
        EMULATOR_URL: emulator.url,
        CLIENT_ID,
        CALLBACK_URL,
        PORT: '0',
      }),
    ),
  );
}, 60_000);

afterEach(async () => {
  // Neither instance met an error in any test.
  for (const instance of instances) expect((await instance.report()).errors).toEqual([]);
});

afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  await emulator?.close();
  if (redis?.isOpen) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  }
  await removeBuild(build);
});

/** The browser at each instance, with one cookie jar. */
function browserAtBoth(): [Browser, Browser] {
  const [one, two] = instances as [Instance, Instance];
  const first = new Browser(one.url);
  return [first, first.at(two.url)];
}

/** The session in Redis that holds pending login `handle`, and its key. */
async function storedSessionWith(handle: string): Promise<{ key: string; data: Record<string, unknown> }> {
  for (const key of await redis.keys(`${prefix}*`)) {
    const data = JSON.parse((await redis.get(key)) ?? '{}') as Record<string, unknown>;
    if (Object.hasOwn(pendingLogins(data, SESSION_KEY), handle)) return { key, data };
  }
  throw new Error(`no session in Redis holds pending login ${handle}`);
}

describe('two app processes sharing a Redis session store', () => {
  it('finishes on one instance a login started on the other, and refuses its replay on either', async () => {
    const [atOne, atTwo] = browserAtBoth();
    const authorizeURL = await atOne.startLogin();
    expect(authorizeURL.searchParams.get('redirect_uri')).toBe(CALLBACK_URL);
    const handle = authorizeURL.searchParams.get('state') ?? '';
    // The pending login reached Redis before the browser was redirected.
    expect(pendingLogins((await storedSessionWith(handle)).data, SESSION_KEY)[handle]).toEqual({
      verifier: expect.stringMatching(/^[\w-]{43}$/),
      createdAt: expect.any(Number),
    });

    const callbackURL = await atOne.authorize(authorizeURL);
    expect(`${callbackURL.origin}${callbackURL.pathname}`).toBe(CALLBACK_URL);
    const response = await atTwo.callback(callbackURL);
    expect(response.body).toEqual({
      outcome: 'success',
      user: { id: emulator.users[0]?.userId, username: 'ada@example.com', organizationId: emulator.orgId },
      info: {},
    });
    for (const browser of [atOne, atTwo]) {
      const { user, session } = await browser.me();
      expect(user).toEqual(response.body.user);
      expect(pendingLogins(session, SESSION_KEY)).toEqual({});
    }
    for (const browser of [atOne, atTwo]) {
      const replay = await browser.callback(callbackURL);
      expect(replay.status).toBe(403);
      expect(replay.body).toEqual({ outcome: 'failure', info: { message: STATE_FAILURES.unknown } });
    }
    expect(emulator.requestsTo('token')).toHaveLength(1);
  });

  it('finishes two tabs whose starts and callbacks are split across the instances', async () => {
    const [atOne, atTwo] = browserAtBoth();
    const first = await atOne.authorize(await atOne.startLogin());
    const second = await atTwo.authorize(await atTwo.startLogin());
    expect(Object.keys(pendingLogins((await atOne.me()).session, SESSION_KEY))).toHaveLength(2);

    expect((await atOne.callback(second)).body.outcome).toBe('success');
    // The login regenerated the session; the other tab's pending login came along, in Redis.
    expect(Object.keys(pendingLogins((await atTwo.me()).session, SESSION_KEY))).toEqual([first.searchParams.get('state')]);
    expect((await atTwo.callback(first)).body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' } });
    const { user, session } = await atOne.me();
    expect(user).toMatchObject({ username: 'ada@example.com' });
    expect(pendingLogins(session, SESSION_KEY)).toEqual({});
  });

  it('keeps different browsers apart across the instances', async () => {
    const [adaOne, adaTwo] = browserAtBoth();
    const [graceOne, graceTwo] = browserAtBoth();
    const adaStart = await adaOne.startLogin();
    const graceStart = await graceTwo.startLogin();
    const graceURL = new URL(graceStart);
    graceURL.searchParams.set('login_hint', 'grace@example.com');
    const adaCallback = await adaOne.authorize(adaStart);
    const graceCallback = await graceTwo.authorize(graceURL);
    // Each callback carried to the other browser is refused and leaves the owner able to finish.
    expect((await graceOne.callback(adaCallback)).status).toBe(403);
    expect((await adaOne.callback(graceCallback)).status).toBe(403);
    expect((await adaTwo.callback(adaCallback)).body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' } });
    expect((await graceOne.callback(graceCallback)).body).toMatchObject({ outcome: 'success', user: { username: 'grace@example.com' } });
    expect((await adaOne.me()).user).toMatchObject({ username: 'ada@example.com' });
    expect((await graceTwo.me()).user).toMatchObject({ username: 'grace@example.com' });
  });

  it('refuses on the other instance a pending login that has expired in Redis, without a token request', async () => {
    const [atOne, atTwo] = browserAtBoth();
    const authorizeURL = await atOne.startLogin();
    const handle = authorizeURL.searchParams.get('state') ?? '';
    const callbackURL = await atOne.authorize(authorizeURL);
    // Age the entry past the default pendingLoginTtl (600 s) where it lives, instead of waiting.
    const { key, data } = await storedSessionWith(handle);
    const entry = pendingLogins(data, SESSION_KEY)[handle] as { createdAt: number };
    entry.createdAt -= 601_000;
    await redis.set(key, JSON.stringify(data), { KEEPTTL: true });

    const tokenRequests = emulator.requestsTo('token').length;
    const response = await atTwo.callback(callbackURL);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ outcome: 'failure', info: { message: STATE_FAILURES.expired } });
    expect(emulator.requestsTo('token')).toHaveLength(tokenRequests);
    expect(pendingLogins((await atOne.me()).session, SESSION_KEY)).toEqual({});
    expect((await atTwo.login()).body.outcome).toBe('success');
  });

  it('never crosses or errors when three tabs of one session start and finish at the same instant on both instances', async () => {
    const counts = { success: 0, unknown: 0 };
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const [atOne, atTwo] = browserAtBoth();
        // An abandoned login gives the browser a session in Redis that the tabs below share.
        await atOne.startLogin();
        const starts = await Promise.all([atOne, atTwo, atOne].map((browser) => browser.startLogin()));
        const callbacks = await Promise.all(starts.map((url) => atOne.authorize(url)));
        const bodies = await Promise.all(
          callbacks.map((url, i) =>
            (i % 2 === 0 ? atTwo : atOne).callback(url).then((response) => response.body as Record<string, unknown>),
          ),
        );
        expect(bodies.filter((body) => body.outcome === 'success').length).toBeGreaterThanOrEqual(1);
        for (const body of bodies) {
          if (body.outcome === 'success') counts.success += 1;
          else counts.unknown += 1;
          expect(body).toEqual(
            body.outcome === 'success'
              ? { outcome: 'success', user: expect.objectContaining({ username: 'ada@example.com' }), info: {} }
              : { outcome: 'failure', info: { message: STATE_FAILURES.unknown } },
          );
        }
        expect((await atTwo.me()).user).toMatchObject({ username: 'ada@example.com' });
      }),
    );
    expect(counts.success + counts.unknown).toBe(60);
  });

  it('logs 40 browsers in concurrently, each started and finished on different instances', async () => {
    const users = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const [atOne, atTwo] = browserAtBoth();
        const [start, finish] = i % 2 === 0 ? [atOne, atTwo] : [atTwo, atOne];
        const response = await finish.callback(await start.authorize(await start.startLogin()));
        return [response.body, (await start.me()).user];
      }),
    );
    for (const [body, user] of users) {
      expect(body).toMatchObject({ outcome: 'success', user: { username: 'ada@example.com' } });
      expect(user).toEqual((body as { user: unknown }).user);
    }
    const reports = await Promise.all(instances.map((instance) => instance.report()));
    expect(reports.every((report) => report.verifyCalls > 0)).toBe(true);
  });
});

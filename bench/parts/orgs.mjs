/**
 * Heap and id_token key cache against the number of orgs logged in through one app process.
 * The strategy allows `sites` login bases (exact strings in `allowedLoginURLs`), each an
 * Experience Cloud-style site path on the one emulator, which serves it like a host of its own:
 * its own issuer, its own `/id/keys`. Each org has one user (its own org id), logged in through
 * its own login base with `login_hint`. After a warm-up through the configured login base, the
 * orgs log in one after another (8 at a time); at each checkpoint the session store is emptied
 * (each login leaves a session behind, which is the store's memory, not the strategy's), the heap
 * is measured after a forced GC, and the strategy's key cache is counted.
 */
import { runLoginList, runLogins } from '../load/login.mjs';
import { log } from '../lib/harness.mjs';

const CHECKPOINTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

export async function orgs(harness) {
  const { settings, emulator } = harness;
  const count = settings.orgs;
  const usernames = await emulator.call('addOrgs', { count });
  const app = await harness.startApp('strategy', { sites: count });
  const { url } = app.info;
  await runLogins({ appUrl: url, virtualUsers: 8, duration: settings.warmupSeconds });

  const snapshot = async (orgCount, segment) => {
    await app.call('reset');
    const memory = await app.call('memory', { gc: true });
    return {
      orgs: orgCount,
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      external: memory.external,
      keyCache: await app.call('keyCache'),
      ...segment,
    };
  };
  const points = [await snapshot(0)];
  let done = 0;
  for (const checkpoint of [...new Set([...CHECKPOINTS.filter((n) => n < count), count])]) {
    const startPaths = [];
    for (let n = done + 1; n <= checkpoint; n += 1)
      startPaths.push(`/auth/salesforce?site=${n}&hint=${encodeURIComponent(usernames[n - 1])}`);
    const segment = await runLoginList({ appUrl: url, startPaths, concurrency: 8 });
    const failures = Object.values(segment.failures).reduce((n, k) => n + k, 0);
    done = checkpoint;
    points.push(
      await snapshot(checkpoint, {
        logins: segment.logins,
        failures,
        loginsPerSecond: segment.loginsPerSecond,
        p50: segment.latency.p50,
        p99: segment.latency.p99,
      }),
    );
    const last = points.at(-1);
    log(
      `orgs ${checkpoint}: heap ${(last.heapUsed / 2 ** 20).toFixed(1)} MiB, key cache ${last.keyCache}, ${segment.loginsPerSecond.toFixed(0)} logins/s${failures ? `, ${failures} failed` : ''}`,
    );
  }
  await harness.retire('strategy', app);
  return { orgs: count, points };
}

/**
 * How throughput and latency grow with concurrent users, for every contender: the redirect leg
 * with 1…256 autocannon connections (each request a new visitor), and the full login with
 * 1…256 virtual users (the contenders that finish logins). Each round gives every contender a
 * fresh app process and a warm-up, then climbs the levels; contenders alternate between rounds.
 */
import { runLogins } from '../load/login.mjs';
import { runRedirectLeg } from '../load/redirect.mjs';
import { log, rotate } from '../lib/harness.mjs';
import { LOGIN_CONTENDERS, REDIRECT_CONTENDERS } from './compare.mjs';

const LOGIN_SCALING = LOGIN_CONTENDERS.filter((contender) => !contender.endsWith('-no-id-token'));

async function climb(harness, contender, warmUp, measureLevel) {
  const { settings } = harness;
  const app = await harness.startApp(contender);
  await warmUp(app);
  const points = [];
  for (const users of settings.concurrencyLevels) {
    await app.call('reset');
    const window = harness.backgroundWindow();
    const point = await measureLevel(app, users);
    points.push({ users, ...point, backgroundCores: window.end() });
  }
  await harness.retire(contender, app);
  return points;
}

export async function concurrencyRounds(harness) {
  const { settings } = harness;
  const rounds = [];
  for (let round = 0; round < settings.concurrencyRounds; round += 1) {
    const redirect = {};
    for (const contender of rotate(REDIRECT_CONTENDERS, round)) {
      redirect[contender] = await climb(
        harness,
        contender,
        (app) => runRedirectLeg({ url: app.info.url, duration: settings.warmupSeconds, connections: 16 }),
        async (app, users) => {
          const leg = await runRedirectLeg({ url: app.info.url, duration: settings.concurrencySeconds, connections: users });
          const failures = leg.errors + leg.timeouts + Object.entries(leg.statuses).filter(([status]) => status !== '302').reduce((n, [, k]) => n + k, 0);
          return { perSecond: leg.rps, p50: leg.latency.p50, p99: leg.latency.p99, failures };
        },
      );
      log(`concurrency round ${round + 1}/${settings.concurrencyRounds} redirect ${contender}: ${redirect[contender].map((p) => `${p.users}→${p.perSecond.toFixed(0)}/s`).join(' ')}`);
    }
    const login = {};
    for (const contender of rotate(LOGIN_SCALING, round)) {
      login[contender] = await climb(
        harness,
        contender,
        (app) => runLogins({ appUrl: app.info.url, virtualUsers: 16, duration: settings.warmupSeconds }),
        async (app, users) => {
          const logins = await runLogins({ appUrl: app.info.url, virtualUsers: users, duration: settings.concurrencySeconds });
          const failures = Object.values(logins.failures).reduce((n, k) => n + k, 0);
          return { perSecond: logins.loginsPerSecond, p50: logins.latency.p50, p99: logins.latency.p99, failures };
        },
      );
      log(`concurrency round ${round + 1}/${settings.concurrencyRounds} login ${contender}: ${login[contender].map((p) => `${p.users}→${p.perSecond.toFixed(0)}/s`).join(' ')}`);
    }
    rounds.push({ redirect, login });
  }
  return rounds;
}

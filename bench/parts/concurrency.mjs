/**
 * How throughput and latency grow with concurrent users, for every contender: the redirect leg
 * with 1…256 autocannon connections (each request a new visitor), and the full login with
 * 1…256 virtual users (the contenders that finish logins). Each round gives every contender a
 * fresh app process and a warm-up, then climbs the levels; contenders alternate between rounds.
 */
import { log, rotate } from '../lib/harness.mjs';
import { LEGS } from './compare.mjs';

const CONTENDERS = {
  redirect: LEGS.redirect.contenders,
  login: LEGS.login.contenders.filter((contender) => !contender.endsWith('-no-id-token')),
};

async function climb(harness, leg, contender) {
  const { settings } = harness;
  const app = await harness.startApp(contender);
  await leg.run(app, settings.warmupSeconds, 16);
  const points = [];
  for (const users of settings.concurrencyLevels) {
    await app.call('reset');
    const window = harness.backgroundWindow();
    const result = await leg.run(app, settings.concurrencySeconds, users);
    points.push({
      users,
      perSecond: leg.perSecond(result),
      p50: result.latency.p50,
      p99: result.latency.p99,
      failures: leg.failures(result),
      backgroundCores: window.end(),
    });
  }
  await harness.retire(contender, app);
  return points;
}

export async function concurrencyRounds(harness) {
  const { settings } = harness;
  const rounds = [];
  for (let round = 0; round < settings.concurrencyRounds; round += 1) {
    const results = {};
    for (const [legName, contenders] of Object.entries(CONTENDERS)) {
      results[legName] = {};
      for (const contender of rotate(contenders, round)) {
        const points = await climb(harness, LEGS[legName], contender);
        results[legName][contender] = points;
        log(
          `concurrency round ${round + 1}/${settings.concurrencyRounds} ${legName} ${contender}: ${points.map((p) => `${p.users}→${p.perSecond.toFixed(0)}/s`).join(' ')}`,
        );
      }
    }
    rounds.push(results);
  }
  return rounds;
}

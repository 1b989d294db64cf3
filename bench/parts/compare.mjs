/**
 * The side-by-side comparison: alternated rounds of the redirect leg (every contender) and of
 * the full login (the contenders that finish logins), each contender in a fresh app process
 * with its own warm-up every round. The ratios and their intervals are computed from these rounds.
 */
import { runLogins } from '../load/login.mjs';
import { runRedirectLeg } from '../load/redirect.mjs';
import { backgroundNote, log, rotate } from '../lib/harness.mjs';

export const REDIRECT_CONTENDERS = ['ceiling', 'passport-floor', 'passport-oauth2', 'openid-client', 'strategy'];
export const LOGIN_CONTENDERS = ['passport-oauth2', 'openid-client', 'strategy', 'passport-oauth2-no-id-token', 'strategy-no-id-token'];

/** App CPU time (µs) over `fn` divided by what `count(result)` says was served. */
async function withAppCpu(apps, fn, count) {
  const before = await Promise.all(apps.map((app) => app.call('cpu')));
  const result = await fn();
  const after = await Promise.all(apps.map((app) => app.call('cpu')));
  const n = Math.max(1, count(result));
  return { result, cpuMicros: after.map((value, i) => (value - before[i]) / n) };
}

export async function redirectRounds(harness) {
  const { settings } = harness;
  const rounds = [];
  for (let round = 0; round < settings.rounds; round += 1) {
    const results = {};
    for (const contender of rotate(REDIRECT_CONTENDERS, round)) {
      const app = await harness.startApp(contender);
      await runRedirectLeg({ url: app.info.url, duration: settings.warmupSeconds, connections: settings.connections });
      const result = await harness.measure(async () => {
        await app.call('reset');
        const { result: leg, cpuMicros } = await withAppCpu(
          [app],
          () => runRedirectLeg({ url: app.info.url, duration: settings.seconds, connections: settings.connections }),
          (r) => r.redirects,
        );
        return { ...leg, appCpuMicrosPerRequest: cpuMicros[0] };
      });
      await harness.retire(contender, app);
      results[contender] = result;
      log(`redirect round ${round + 1}/${settings.rounds} ${contender}: ${result.rps.toFixed(0)} req/s, p50 ${result.latency.p50.toFixed(2)} ms${backgroundNote(result)}`);
    }
    rounds.push(results);
  }
  return rounds;
}

export async function loginRounds(harness) {
  const { settings, emulator } = harness;
  const rounds = [];
  for (let round = 0; round < settings.rounds; round += 1) {
    const results = {};
    for (const contender of rotate(LOGIN_CONTENDERS, round)) {
      const app = await harness.startApp(contender);
      await runLogins({ appUrl: app.info.url, virtualUsers: settings.virtualUsers, duration: settings.warmupSeconds });
      const result = await harness.measure(async () => {
        await app.call('reset');
        await emulator.call('reset');
        const { result: logins, cpuMicros } = await withAppCpu(
          [app, emulator],
          () => runLogins({ appUrl: app.info.url, virtualUsers: settings.virtualUsers, duration: settings.seconds }),
          (r) => r.logins,
        );
        return { ...logins, appCpuMicrosPerLogin: cpuMicros[0], emulatorCpuMicrosPerLogin: cpuMicros[1] };
      });
      await harness.retire(contender, app);
      results[contender] = result;
      log(`login round ${round + 1}/${settings.rounds} ${contender}: ${result.loginsPerSecond.toFixed(0)} logins/s, p50 ${result.latency.p50.toFixed(2)} ms${backgroundNote(result)}`);
    }
    rounds.push(results);
  }
  return rounds;
}

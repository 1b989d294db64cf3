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

/**
 * The two loads. `run(app, seconds, users)` drives one app; `count` is what a result served
 * (redirects, or logins), `perSecond` its rate; `cpu` names the CPU per unit of each server measured.
 */
export const LEGS = {
  redirect: {
    contenders: REDIRECT_CONTENDERS,
    users: (settings) => settings.connections,
    run: (app, seconds, users) => runRedirectLeg({ url: app.info.url, duration: seconds, connections: users }),
    count: (result) => result.redirects,
    perSecond: (result) => result.rps,
    failures: (result) =>
      result.errors +
      result.timeouts +
      Object.entries(result.statuses)
        .filter(([status]) => status !== '302')
        .reduce((n, [, k]) => n + k, 0),
    cpu: ['appCpuMicrosPerRequest'],
    unit: 'req/s',
  },
  login: {
    contenders: LOGIN_CONTENDERS,
    users: (settings) => settings.virtualUsers,
    run: (app, seconds, users) => runLogins({ appUrl: app.info.url, virtualUsers: users, duration: seconds }),
    count: (result) => result.logins,
    perSecond: (result) => result.loginsPerSecond,
    failures: (result) => Object.values(result.failures).reduce((n, k) => n + k, 0),
    cpu: ['appCpuMicrosPerLogin', 'emulatorCpuMicrosPerLogin'],
    unit: 'logins/s',
  },
};

/** Alternated rounds of one leg; each result also carries the CPU per unit of the app (and the emulator for logins). */
export async function legRounds(harness, legName) {
  const { settings, emulator } = harness;
  const leg = LEGS[legName];
  const users = leg.users(settings);
  const rounds = [];
  for (let round = 0; round < settings.rounds; round += 1) {
    const results = {};
    for (const contender of rotate(leg.contenders, round)) {
      const app = await harness.startApp(contender);
      await leg.run(app, settings.warmupSeconds, users);
      const servers = [app, emulator].slice(0, leg.cpu.length);
      const result = await harness.measure(async () => {
        await Promise.all(servers.map((server) => server.call('reset')));
        const before = await Promise.all(servers.map((server) => server.call('cpu')));
        const measured = await leg.run(app, settings.seconds, users);
        const after = await Promise.all(servers.map((server) => server.call('cpu')));
        const n = Math.max(1, leg.count(measured));
        return { ...measured, ...Object.fromEntries(leg.cpu.map((name, i) => [name, (after[i] - before[i]) / n])) };
      });
      await harness.retire(contender, app);
      results[contender] = result;
      log(
        `${legName} round ${round + 1}/${settings.rounds} ${contender}: ${leg.perSecond(result).toFixed(0)} ${leg.unit}, p50 ${result.latency.p50.toFixed(2)} ms${backgroundNote(result)}`,
      );
    }
    rounds.push(results);
  }
  return rounds;
}

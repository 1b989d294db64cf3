/**
 * The side-by-side comparison: rounds of the redirect leg (every contender) and of the full login
 * (the contenders that finish logins), each contender in a fresh app process every round, the
 * contenders of a round measured in alternating turns. The ratios and their intervals are
 * computed from these rounds.
 */
import { runLogins } from '../load/login.mjs';
import { runRedirectLeg } from '../load/redirect.mjs';
import { backgroundNote, log, rotate } from '../lib/harness.mjs';
import { Samples } from '../lib/stats.mjs';

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
    run: (app, seconds, users, latencies) => runRedirectLeg({ url: app.info.url, duration: seconds, connections: users, latencies }),
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
    run: (app, seconds, users, latencies) => runLogins({ appUrl: app.info.url, virtualUsers: users, duration: seconds, latencies }),
    count: (result) => result.logins,
    perSecond: (result) => result.loginsPerSecond,
    failures: (result) => Object.values(result.failures).reduce((n, k) => n + k, 0),
    cpu: ['appCpuMicrosPerLogin', 'emulatorCpuMicrosPerLogin'],
    unit: 'logins/s',
  },
};

/** Several slices of one contender's load as one result: counts and seconds added, latencies from the shared samples. */
function combine(slices) {
  const last = slices.at(-1);
  const sum = (pick) => slices.reduce((total, slice) => total + (pick(slice) ?? 0), 0);
  const merged = (pick) =>
    slices.reduce((all, slice) => {
      for (const [key, n] of Object.entries(pick(slice) ?? {})) all[key] = (all[key] ?? 0) + n;
      return all;
    }, {});
  const seconds = sum((slice) => slice.seconds);
  if ('redirects' in last) {
    const redirects = sum((slice) => slice.redirects);
    return {
      rps: redirects / seconds,
      redirects,
      seconds,
      latency: last.latency,
      statuses: merged((slice) => slice.statuses),
      errors: sum((slice) => slice.errors),
      timeouts: sum((slice) => slice.timeouts),
    };
  }
  const logins = sum((slice) => slice.logins);
  return { loginsPerSecond: logins / seconds, logins, seconds, latency: last.latency, failures: merged((slice) => slice.failures) };
}

/**
 * Rounds of one leg. Each round starts a fresh app process per contender, warms each, then
 * measures them in turns of `settings.sliceSeconds` (in an order rotated every turn) until each
 * has had `settings.seconds`: every contender of a round meets the same machine, whose speed
 * drifts over seconds on a shared host. Each result carries the CPU per unit of the app (and of
 * the emulator for logins) over its slices.
 */
export async function legRounds(harness, legName) {
  const { settings, emulator } = harness;
  const leg = LEGS[legName];
  const users = leg.users(settings);
  const turns = Math.max(1, Math.round(settings.seconds / settings.sliceSeconds));
  const rounds = [];
  for (let round = 0; round < settings.rounds; round += 1) {
    const apps = {};
    for (const contender of leg.contenders) apps[contender] = await harness.startApp(contender, { register: false });
    await harness.registerConnectedApps(Object.values(apps));
    for (const contender of leg.contenders) await leg.run(apps[contender], settings.warmupSeconds, users);
    const measured = await harness.measure(async () => {
      const slices = Object.fromEntries(leg.contenders.map((contender) => [contender, []]));
      const cpu = Object.fromEntries(leg.contenders.map((contender) => [contender, leg.cpu.map(() => 0)]));
      const latencies = Object.fromEntries(leg.contenders.map((contender) => [contender, new Samples()]));
      for (let turn = 0; turn < turns; turn += 1) {
        for (const contender of rotate(leg.contenders, round + turn)) {
          const servers = [apps[contender], emulator].slice(0, leg.cpu.length);
          await Promise.all(servers.map((server) => server.call('reset')));
          const before = await Promise.all(servers.map((server) => server.call('cpu')));
          slices[contender].push(await leg.run(apps[contender], settings.sliceSeconds, users, latencies[contender]));
          const after = await Promise.all(servers.map((server) => server.call('cpu')));
          after.forEach((micros, i) => (cpu[contender][i] += micros - before[i]));
        }
      }
      return Object.fromEntries(
        leg.contenders.map((contender) => {
          const result = combine(slices[contender]);
          const n = Math.max(1, leg.count(result));
          return [contender, { ...result, ...Object.fromEntries(leg.cpu.map((name, i) => [name, cpu[contender][i] / n])) }];
        }),
      );
    });
    const results = {};
    for (const contender of leg.contenders) {
      await harness.retire(contender, apps[contender]);
      const { backgroundCores, attempts } = measured;
      results[contender] = { ...measured[contender], backgroundCores, attempts };
      log(
        `${legName} round ${round + 1}/${settings.rounds} ${contender}: ${leg.perSecond(results[contender]).toFixed(0)} ${leg.unit}, ` +
          `p50 ${results[contender].latency.p50.toFixed(2)} ms${backgroundNote(results[contender])}`,
      );
    }
    rounds.push(results);
  }
  return rounds;
}

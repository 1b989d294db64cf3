/**
 * From raw results to the numbers the report shows: medians per contender, every ratio with its
 * rounds' spread and a bootstrap 95 % interval, the issue's targets judged on those intervals,
 * the scaling curves reduced to one point per level, and how busy the rest of the machine was.
 */
import { CLIENTS } from '../load/clients.mjs';
import { LEGS } from '../parts/compare.mjs';
import { LETTERS } from './apps.mjs';
import { median, ratioSummary, slope } from './stats.mjs';

/**
 * The targets of issue 13. A target is met only when the whole 95 % interval of its ratio is at
 * or above it, missed when the whole interval is below it, and otherwise not shown either way.
 */
export const TARGETS = [
  { leg: 'redirect', numerator: 'strategy', denominator: 'passport-floor', target: 0.97, what: 'redirect leg, against the Passport floor' },
  { leg: 'redirect', numerator: 'strategy', denominator: 'passport-oauth2', target: 1.05, what: 'redirect leg, against passport-oauth2' },
  {
    leg: 'login',
    numerator: 'strategy-no-id-token',
    denominator: 'passport-oauth2-no-id-token',
    target: 1.1,
    what: 'full login without an id_token, against passport-oauth2',
  },
  {
    leg: 'login',
    numerator: 'strategy',
    denominator: 'openid-client',
    target: 1.1,
    what: 'full login with an id_token, against openid-client',
  },
  {
    leg: 'login',
    numerator: 'strategy',
    denominator: 'passport-oauth2',
    target: 1.0,
    what: 'full login with an id_token, against passport-oauth2',
  },
];

/** Further ratios shown beside the targets' (no target of their own). */
const EXTRA_RATIOS = {
  redirect: [
    ['strategy', 'ceiling'],
    ['passport-floor', 'ceiling'],
    ['strategy', 'openid-client'],
  ],
  login: [['openid-client', 'passport-oauth2']],
};

export const ratioName = (numerator, denominator) => `(${LETTERS[numerator]})/(${LETTERS[denominator]})`;

export function verdict(summary, target) {
  const [low, high] = summary.interval;
  if (!Number.isFinite(low)) return 'not judged: one round';
  if (low >= target) return 'met';
  if (high < target) return 'missed';
  return 'not shown: the interval straddles it';
}

const RATE = { redirect: LEGS.redirect.perSecond, login: LEGS.login.perSecond };
const CPU = { redirect: (r) => r[LEGS.redirect.cpu[0]], login: (r) => r[LEGS.login.cpu[0]] };

/** Cores other processes used during `measurements`: median and max, and as a share of the machine. */
export function backgroundSummary(cores, machineCores) {
  const values = cores.filter((c) => typeof c === 'number');
  if (values.length === 0) return null;
  const middle = median(values);
  return { medianCores: middle, maxCores: Math.max(...values), share: middle / machineCores, maxShare: Math.max(...values) / machineCores };
}

function summariseLeg(leg, rounds, machineCores) {
  const contenders = Object.keys(rounds[0]);
  const metric = (contender, pick) => median(rounds.map((round) => pick(round[contender])));
  const perContender = Object.fromEntries(
    contenders.map((c) => [
      c,
      {
        perSecond: metric(c, RATE[leg]),
        p50: metric(c, (r) => r.latency.p50),
        p99: metric(c, (r) => r.latency.p99),
        appCpuMicros: metric(c, CPU[leg]),
        ...(leg === 'login' ? { emulatorCpuMicros: metric(c, (r) => r.emulatorCpuMicrosPerLogin) } : {}),
        count: rounds.reduce((sum, round) => sum + LEGS[leg].count(round[c]), 0),
        failures: rounds.reduce((sum, round) => sum + LEGS[leg].failures(round[c]), 0),
      },
    ]),
  );
  const pairs = [...TARGETS.filter((t) => t.leg === leg).map((t) => [t.numerator, t.denominator]), ...EXTRA_RATIOS[leg]];
  const ratios = {};
  for (const [numerator, denominator] of pairs) {
    if (!contenders.includes(numerator) || !contenders.includes(denominator)) continue;
    ratios[ratioName(numerator, denominator)] = {
      numerator,
      denominator,
      throughput: ratioSummary(rounds.map((round) => RATE[leg](round[numerator]) / RATE[leg](round[denominator]))),
      // CPU per request the other way round: above 1 means the numerator spends less.
      cpu: ratioSummary(rounds.map((round) => CPU[leg](round[denominator]) / CPU[leg](round[numerator]))),
    };
  }
  const background = backgroundSummary(
    rounds.flatMap((round) => Object.values(round).map((r) => r.backgroundCores)),
    machineCores,
  );
  return { perContender, ratios, background };
}

function summariseConcurrency(rounds, machineCores) {
  const out = {};
  for (const leg of ['redirect', 'login']) {
    out[leg] = {};
    for (const contender of Object.keys(rounds[0][leg])) {
      const levels = rounds[0][leg][contender].map((point) => point.users);
      out[leg][contender] = levels.map((users, i) => {
        const points = rounds.map((round) => round[leg][contender][i]);
        const values = (pick) => points.map(pick);
        return {
          users,
          perSecond: median(values((p) => p.perSecond)),
          perSecondRange: [Math.min(...values((p) => p.perSecond)), Math.max(...values((p) => p.perSecond))],
          p99: median(values((p) => p.p99)),
          p99Range: [Math.min(...values((p) => p.p99)), Math.max(...values((p) => p.p99))],
          p50: median(values((p) => p.p50)),
          failures: points.reduce((n, p) => n + p.failures, 0),
        };
      });
    }
  }
  out.background = backgroundSummary(allBackgroundCores({ concurrency: rounds }), machineCores);
  return out;
}

function summariseSoak(soak, machineCores) {
  const { samples } = soak;
  const minutes = samples.map((s) => s.seconds / 60);
  const mib = (bytes) => bytes / 2 ** 20;
  const secondHalf = samples.filter((s) => s.seconds >= samples.at(-1).seconds / 2);
  const gcSamples = samples.filter((s) => s.gc);
  const gcSecondHalf = gcSamples.filter((s) => s.seconds >= samples.at(-1).seconds / 2);
  const last = samples.at(-1);
  return {
    minutes: soak.minutes,
    actions: last.done,
    failed: last.failed,
    rssMiB: {
      first: mib(samples[0].rss),
      min: mib(Math.min(...samples.map((s) => s.rss))),
      max: mib(Math.max(...samples.map((s) => s.rss))),
      last: mib(last.rss),
    },
    // Drift: the least-squares slope over the second half, once warm-up growth is over.
    rssSlopeMiBPerMinute:
      secondHalf.length > 2
        ? slope(
            secondHalf.map((s) => s.seconds / 60),
            secondHalf.map((s) => mib(s.rss)),
          )
        : Number.NaN,
    heapAfterGcMiB: gcSamples.map((s) => mib(s.heapUsed)),
    heapAfterGcSlopeMiBPerMinute:
      gcSecondHalf.length > 2
        ? slope(
            gcSecondHalf.map((s) => s.seconds / 60),
            gcSecondHalf.map((s) => mib(s.heapUsed)),
          )
        : Number.NaN,
    maxSessions: Math.max(...samples.map((s) => s.sessions)),
    maxKeyCache: Math.max(...samples.map((s) => s.keyCache ?? 0)),
    durationMinutes: minutes.at(-1),
    background: backgroundSummary([soak.backgroundCores], machineCores),
  };
}

function summariseClients(clients) {
  const { rounds, targets } = clients;
  return Object.fromEntries(
    targets.map((target) => [
      target,
      Object.fromEntries(
        CLIENTS.map((client) => [
          client,
          {
            callsPerSecond: median(rounds.map((round) => round[target][client].callsPerSecond)),
            clientCpuMicrosPerCall: median(rounds.map((round) => round[target][client].clientCpuMicrosPerCall)),
            p50: median(rounds.map((round) => round[target][client].latency.p50)),
            failures: rounds.reduce((sum, round) => sum + round[target][client].failures, 0),
          },
        ]),
      ),
    ]),
  );
}

/** The cores other processes used during every timed measurement of the run. */
function allBackgroundCores(results) {
  const legs = [...(results.redirect ?? []), ...(results.login ?? [])].flatMap((round) =>
    Object.values(round).map((r) => r.backgroundCores),
  );
  const climbs = (results.concurrency ?? []).flatMap((round) =>
    ['redirect', 'login'].flatMap((leg) => Object.values(round[leg]).flatMap((points) => points.map((p) => p.backgroundCores))),
  );
  return [...legs, ...climbs, results.soak?.backgroundCores];
}

export function summarise(results, machine) {
  const cores = machine.cores;
  const summary = {};
  if (results.redirect) summary.redirect = summariseLeg('redirect', results.redirect, cores);
  if (results.login) summary.login = summariseLeg('login', results.login, cores);
  summary.targets = TARGETS.filter((t) => summary[t.leg]).map((t) => {
    const ratio = summary[t.leg].ratios[ratioName(t.numerator, t.denominator)];
    const cpu = (contender) => summary[t.leg].perContender[contender].appCpuMicros;
    return {
      ...t,
      name: ratioName(t.numerator, t.denominator),
      ratio: ratio.throughput,
      verdict: verdict(ratio.throughput, t.target),
      // What the numerator's app spends per request beyond the denominator's (medians over rounds),
      // and what it could spend if throughput went with the app's CPU alone.
      extraCpuMicros: cpu(t.numerator) - cpu(t.denominator),
      cpuBudgetMicros: cpu(t.denominator) / t.target,
      cpuMicros: cpu(t.numerator),
    };
  });
  if (results.concurrency) summary.concurrency = summariseConcurrency(results.concurrency, cores);
  if (results.soak) summary.soak = summariseSoak(results.soak, cores);
  if (results.clients) summary.clients = summariseClients(results.clients);
  summary.background = backgroundSummary(allBackgroundCores(results), cores);
  return summary;
}

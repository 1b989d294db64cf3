/**
 * From raw results to the numbers the report shows: medians per contender, every ratio with its
 * rounds' spread and a bootstrap 95 % interval, the targets judged on those intervals, the
 * callback's round trips, and how busy the rest of the machine was.
 */
import { LEGS } from '../parts/compare.mjs';
import { LETTERS } from './apps.mjs';
import { median, ratioSummary } from './stats.mjs';

/**
 * The targets, judged on the app's CPU per request (or login), inverted: the denominator's CPU
 * over the numerator's, so above 1 means the numerator spends less; the machine's other load
 * moves it less than throughput. A target is met only when the whole 95 % interval of its ratio
 * is at or above it, missed when the whole interval is below it, and otherwise not shown.
 * "App CPU per login start ≤ 1.05 × the floor's" is the inverted ratio ≥ 1 / 1.05.
 */
export const TARGETS = [
  {
    leg: 'redirect',
    numerator: 'strategy',
    denominator: 'passport-floor',
    target: 1 / 1.05,
    what: 'redirect leg: app CPU at most 1.05 × the Passport floor',
  },
  {
    leg: 'login',
    numerator: 'strategy',
    denominator: 'passport-oauth2',
    target: 1.0,
    what: "full login with an id_token: app CPU at most passport-oauth2's",
  },
];

/** Further ratios shown beside the targets' (no target of their own). */
const EXTRA_RATIOS = {
  redirect: [
    ['strategy', 'passport-oauth2'],
    ['strategy', 'openid-client'],
    ['strategy', 'ceiling'],
    ['passport-floor', 'ceiling'],
  ],
  login: [
    ['strategy-no-id-token', 'passport-oauth2-no-id-token'],
    ['strategy', 'openid-client'],
    ['openid-client', 'passport-oauth2'],
  ],
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

/**
 * The callback's sequential round trips, against the most passport-oauth2 makes (warm and cold):
 * met when the strategy's, rounded, are no more.
 */
function summariseLatency(latency) {
  const { contenders } = latency;
  const trips = (contender, kind) => Math.round(contenders[contender]?.[`${kind}RoundTrips`]);
  return ['warm', 'cold'].map((kind) => {
    const strategy = trips('strategy', kind);
    const oauth2 = trips('passport-oauth2', kind);
    return {
      what: `callback round trips to Salesforce, ${kind} key cache, at most passport-oauth2's`,
      strategy,
      oauth2,
      verdict: Number.isFinite(strategy) && Number.isFinite(oauth2) ? (strategy <= oauth2 ? 'met' : 'missed') : 'not judged',
    };
  });
}

/** The cores other processes used during every timed measurement of the run. */
function allBackgroundCores(results) {
  return [...(results.redirect ?? []), ...(results.login ?? [])].flatMap((round) => Object.values(round).map((r) => r.backgroundCores));
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
      ratio: ratio.cpu,
      throughput: ratio.throughput,
      verdict: verdict(ratio.cpu, t.target),
      // What the numerator's app spends per request beyond the denominator's (medians over rounds),
      // and what it could spend if throughput went with the app's CPU alone.
      extraCpuMicros: cpu(t.numerator) - cpu(t.denominator),
      cpuBudgetMicros: cpu(t.denominator) / t.target,
      cpuMicros: cpu(t.numerator),
    };
  });
  if (results.latency) summary.roundTrips = summariseLatency(results.latency);
  summary.background = backgroundSummary(allBackgroundCores(results), cores);
  return summary;
}

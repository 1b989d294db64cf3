/**
 * `npm run bench [-- options]`: what a login costs with this strategy, side by side with an
 * Express + express-session ceiling, a do-nothing Passport strategy (the Passport floor),
 * passport-oauth2's built-in PKCE and openid-client's Passport strategy, in one run; the
 * callback's round trips to a Salesforce that answers late; where the CPU goes; and the
 * strategies' own code and the id_token verifiers in a loop.
 *
 * Every server (each contender's app, the emulator) runs in its own process; this process is
 * the load generator. Raw results go to bench/results/ (latest.json for the last complete run).
 * See BENCHMARKS.md.
 *
 * Options (defaults for the full run; --quick shrinks all of them):
 *   --quick              a minute or two: every part, short (CI runs this; it asserts only that
 *                        every contender's logins succeed)
 *   --only LIST          comma-separated parts: redirect, login, latency, profile, micro (default: all)
 *   --rounds N           rounds of the redirect leg and of the full login (9)
 *   --duration S         seconds per contender per round (8), measured in turns of --slice S (1)
 *   --connections N      autocannon connections for the redirect leg (32)
 *   --users N            virtual users for the full login (16)
 *   --latency-ms MS      how late the emulator answers in the round-trip part (50)
 *   --max-background C   repeat a comparison measurement (up to 3 times, keeping the quietest)
 *                        while other processes used more than C cores during it (default off)
 *   --no-pin             do not pin the app to a core of its own (the default on Linux with
 *                        taskset and two cores or more)
 *   --no-build           do not rebuild dist/ when src/ is newer
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBuilt, isStale } from '../scripts/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const resultsDir = join(benchDir, 'results');
const PARTS = ['redirect', 'login', 'latency', 'profile', 'micro'];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    slice: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    connections: { type: 'string' },
    users: { type: 'string' },
    'latency-ms': { type: 'string' },
    'max-background': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});

const quick = flags.quick;
const number = (value, full, short) => (value === undefined ? (quick ? short : full) : Number(value));
const settings = {
  quick,
  rounds: number(flags.rounds, 9, 1),
  seconds: number(flags.duration, 8, 1),
  sliceSeconds: number(flags.slice, 1, 0.5),
  warmupSeconds: quick ? 0.5 : 2,
  connections: number(flags.connections, 32, 32),
  virtualUsers: number(flags.users, 16, 16),
  latencyMs: number(flags['latency-ms'], 50, 50),
  latencyLogins: quick ? 2 : 7,
  microIterations: quick ? 5000 : 20_000,
  microTrials: quick ? 3 : 7,
  maxBackground: number(flags['max-background'], 0, 0),
  parts: (flags.only ?? PARTS.join(',')).split(',').map((part) => part.trim()),
};
for (const [name, value] of Object.entries(settings)) {
  if (typeof value === 'number' && name !== 'maxBackground' && !(value > 0))
    throw new TypeError(`bench: ${name} must be a positive number`);
}
const unknown = settings.parts.filter((part) => !PARTS.includes(part));
if (unknown.length > 0) throw new TypeError(`bench: unknown part(s) ${unknown.join(', ')}; parts are ${PARTS.join(', ')}`);

// Both packages are imported by name, i.e. from their dist/: rebuilt when older than src/.
if (!flags['no-build']) ensureBuilt();
else if (isStale() || isStale(join(root, 'packages', 'salesforce-oauth-emulator'))) {
  console.warn('bench: a dist/ is older than its src/ (--no-build given): measuring the old build');
}
// Imported after the build: these import both packages by name.
const { Harness, log } = await import('./lib/harness.mjs');
const { canPin } = await import('./lib/processes.mjs');
settings.pin = !flags['no-pin'] && canPin(os.cpus().length);
const { legRounds } = await import('./parts/compare.mjs');
const { latency } = await import('./parts/latency.mjs');
const { micro } = await import('./parts/micro.mjs');
const { profiles } = await import('./parts/profile.mjs');
const { summarise } = await import('./lib/summary.mjs');
const { report } = await import('./lib/report.mjs');
const { failedContenders } = await import('./lib/checks.mjs');

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

const run = { startedAt: new Date().toISOString(), machine: machine(), settings, partSeconds: {} };
log(
  `${run.machine.cpu}, ${run.machine.cores} cores, Node ${run.machine.node}, load average ${run.machine.loadAverageAtStart.join(' ')}` +
    (settings.pin ? '; each app pinned to a core of its own' : ''),
);
const began = performance.now();
const harness = new Harness({ benchDir, settings, profileDir: join(resultsDir, 'profiles') });
const results = {};
const partErrors = {};
const parts = {
  redirect: () => legRounds(harness, 'redirect'),
  login: () => legRounds(harness, 'login'),
  latency: () => latency(harness),
  profile: () => profiles(harness),
  micro: () => micro(benchDir, settings),
};
try {
  await harness.startEmulator();
  for (const part of PARTS.filter((p) => settings.parts.includes(p))) {
    const partBegan = performance.now();
    // A part that breaks is reported (and fails the run) without losing the others' results.
    try {
      results[part] = await parts[part]();
    } catch (error) {
      console.error(`bench: ${part} failed:`, error);
      partErrors[part] = error instanceof Error ? error.message : String(error);
    }
    run.partSeconds[part] = Math.round((performance.now() - partBegan) / 1000);
    log(`${part} took ${run.partSeconds[part]} s`);
  }
} finally {
  await harness.stopAll();
}
results.appErrors = harness.appErrors;
results.partErrors = partErrors;
run.machine.loadAverageAtEnd = os.loadavg().map((load) => Math.round(load * 100) / 100);
run.seconds = Math.round((performance.now() - began) / 1000);

const summary = summarise(results, run.machine);
const text = report(run, summary, results);
console.log(`\n${text}`);

mkdirSync(resultsDir, { recursive: true });
const stamp = run.startedAt.replace(/[:.]/g, '-');
const file = join(resultsDir, `bench-${stamp}${quick ? '-quick' : ''}.json`);
const json = `${JSON.stringify({ ...run, summary, results, report: text }, null, 2)}\n`;
writeFileSync(file, json);
const complete = PARTS.every((part) => settings.parts.includes(part));
writeFileSync(join(resultsDir, quick ? 'latest-quick.json' : complete ? 'latest.json' : 'latest-partial.json'), json);
log(`done in ${run.seconds} s; raw results in ${relative(root, file)}`);

// The numbers are not judged here, but a benchmark whose logins fail measures nothing.
const failed = failedContenders(results, summary);
if (failed.length > 0) {
  console.error(`bench: ${failed.join('; ')}; see ${relative(root, file)}`);
  process.exitCode = 1;
}

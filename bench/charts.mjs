/**
 * `npm run bench:charts [-- results.json]`: draws the charts of BENCHMARKS.md from a run's raw
 * results (default: bench/results/published.json, the run BENCHMARKS.md reports) into
 * bench/charts/*.svg. Nothing is measured here; the same results always give the same charts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LABELS } from './lib/apps.mjs';
import { intervalChart, lineChart } from './lib/svg.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const input = process.argv[2] ?? join(root, 'bench', 'results', 'published.json');
const outDir = join(root, 'bench', 'charts');
let run;
try {
  run = JSON.parse(readFileSync(input, 'utf8'));
} catch (error) {
  console.error(
    `bench:charts: cannot read ${input} (${error.message}); run \`npm run bench\` and pass bench/results/latest.json, or publish it as bench/results/published.json`,
  );
  process.exit(1);
}
const { summary, results, settings } = run;

const COLORS = {
  ceiling: '#7f7f7f',
  'passport-floor': '#3b3b3b',
  'passport-oauth2': '#1f77b4',
  'openid-client': '#ff7f0e',
  strategy: '#2ca02c',
  'passport-oauth2-no-id-token': '#1f77b4',
  'strategy-no-id-token': '#2ca02c',
};
const seriesOf = (contender, points) => ({
  name: LABELS[contender],
  color: COLORS[contender],
  dashed: contender.endsWith('-no-id-token'),
  points,
});
const mib = (bytes) => bytes / 2 ** 20;
const when = `run of ${run.startedAt.slice(0, 10)}, ${run.machine.cores} cores, Node ${run.machine.node}`;
const charts = {};

if (summary.targets?.length) {
  const rows = [];
  for (const leg of ['redirect', 'login']) {
    for (const [name, ratio] of Object.entries(summary[leg]?.ratios ?? {})) {
      const target = summary.targets.find((t) => t.name === name && t.leg === leg);
      const r = ratio.throughput;
      rows.push({
        label: `${leg === 'login' ? 'full login' : 'redirect leg'} ${name}${target ? `, target ≥ ${target.target}` : ''}`,
        value: r.ratio,
        low: r.interval[0],
        high: r.interval[1],
        min: r.min,
        max: r.max,
        target: target?.target,
      });
    }
  }
  charts['ratios.svg'] = intervalChart({
    title: 'Throughput ratios: 95 % bootstrap interval (thick), rounds min–max (thin), target (red)',
    subtitle: `${settings.rounds} alternated rounds × ${settings.seconds} s; geometric mean of the per-round ratios; ${when}`,
    rows,
    xLabel: 'ratio of requests (or logins) per second',
  });
}

if (summary.concurrency) {
  for (const leg of ['redirect', 'login']) {
    const byContender = summary.concurrency[leg];
    const what = leg === 'login' ? 'full logins' : 'login starts (redirect leg)';
    const levels = settings.concurrencyLevels;
    const subtitle = `median of ${settings.concurrencyRounds} round(s) × ${settings.concurrencySeconds} s per level, whiskers min–max; ${when}`;
    charts[`concurrency-${leg}-throughput.svg`] = lineChart({
      title: `${leg === 'login' ? 'Logins' : 'Login starts'} per second against concurrent users`,
      subtitle,
      x: {
        label: leg === 'login' ? 'virtual users (each a new browser per login)' : 'autocannon connections (a new visitor per request)',
        scale: 'log2',
        ticks: levels,
      },
      y: { label: `${what} per second`, scale: 'linear' },
      series: Object.entries(byContender).map(([c, points]) =>
        seriesOf(
          c,
          points.map((p) => ({ x: p.users, y: p.perSecond, low: p.perSecondRange[0], high: p.perSecondRange[1] })),
        ),
      ),
    });
    charts[`concurrency-${leg}-p99.svg`] = lineChart({
      title: `p99 latency of ${leg === 'login' ? 'a whole login' : 'a login start'} against concurrent users`,
      subtitle,
      x: { label: leg === 'login' ? 'virtual users' : 'autocannon connections', scale: 'log2', ticks: levels },
      y: { label: 'p99 latency, ms (log scale)', scale: 'log10' },
      series: Object.entries(byContender).map(([c, points]) =>
        seriesOf(
          c,
          points.map((p) => ({ x: p.users, y: p.p99, low: p.p99Range[0], high: p.p99Range[1] })),
        ),
      ),
    });
  }
}

if (results.pending) {
  const { contenders, cap, sessions } = results.pending;
  const subtitle = `${sessions} sessions, one request at a time; the strategy's cap is ${cap}; ${when}`;
  charts['pending-session-bytes.svg'] = lineChart({
    title: 'Session size against logins started (and abandoned) in one session',
    subtitle,
    x: { label: 'logins started in the session', scale: 'linear' },
    y: { label: 'session JSON in the store, bytes', scale: 'linear' },
    series: Object.entries(contenders).map(([c, points]) =>
      seriesOf(
        c,
        points.map((p) => ({ x: p.pending, y: p.sessionBytes })),
      ),
    ),
  });
  charts['pending-login-start.svg'] = lineChart({
    title: 'Login-start time against logins already pending in the session',
    subtitle: `median latency seen by the browser; ${subtitle}`,
    x: { label: 'login started (k-th in the session)', scale: 'linear', fromZero: false },
    y: { label: 'login start, ms (median)', scale: 'linear' },
    series: Object.entries(contenders).map(([c, points]) =>
      seriesOf(
        c,
        points.filter((p) => p.latency).map((p) => ({ x: p.pending, y: p.latency.p50 })),
      ),
    ),
  });
  charts['pending-login-start-cpu.svg'] = lineChart({
    title: "A login start's app CPU against logins already pending in the session",
    subtitle: `app process CPU per login start; ${subtitle}`,
    x: { label: 'login started (k-th in the session)', scale: 'linear', fromZero: false },
    y: { label: 'app CPU per login start, µs', scale: 'linear' },
    series: Object.entries(contenders).map(([c, points]) =>
      seriesOf(
        c,
        points.filter((p) => p.latency).map((p) => ({ x: p.pending, y: p.appCpuMicrosPerStart })),
      ),
    ),
  });
}

if (results.orgs) {
  const points = results.orgs.points.filter((p) => p.orgs > 0);
  const subtitle = `${results.orgs.orgs} orgs, each through its own login base (allowedLoginURLs), one app process; ${when}`;
  charts['orgs-heap.svg'] = lineChart({
    title: 'Heap after GC against orgs logged in through one process',
    subtitle,
    x: { label: 'orgs logged in (log scale)', scale: 'log10' },
    y: { label: 'MiB', scale: 'linear' },
    series: [
      { name: 'heap used after GC', color: COLORS.strategy, points: points.map((p) => ({ x: p.orgs, y: mib(p.heapUsed) })) },
      { name: 'RSS', color: '#999', dashed: true, points: points.map((p) => ({ x: p.orgs, y: mib(p.rss) })) },
    ],
  });
  charts['orgs-key-cache.svg'] = lineChart({
    title: "The strategy's id_token key cache against orgs logged in",
    subtitle: `login hosts whose key set is cached (the warm-up's default login base included); ${subtitle}`,
    x: { label: 'orgs logged in (log scale)', scale: 'log10' },
    y: { label: 'key sets cached', scale: 'linear' },
    series: [{ name: 'key sets cached', color: COLORS.strategy, points: points.map((p) => ({ x: p.orgs, y: p.keyCache })) }],
  });
}

if (results.soak) {
  const { samples, minutes, browsers } = results.soak;
  charts['soak-memory.svg'] = lineChart({
    title: `Memory over a ${minutes}-minute soak: logins, refreshes, abandoned logins`,
    subtitle: `${browsers} browsers, this strategy, one app process; ${when}`,
    x: { label: 'minutes', scale: 'linear' },
    y: { label: 'MiB', scale: 'linear' },
    series: [
      { name: 'RSS', color: COLORS.strategy, noMarkers: true, points: samples.map((s) => ({ x: s.seconds / 60, y: mib(s.rss) })) },
      { name: 'heap used', color: '#999', noMarkers: true, points: samples.map((s) => ({ x: s.seconds / 60, y: mib(s.heapUsed) })) },
      {
        name: 'heap used after GC',
        color: '#0b3050',
        dashed: true,
        points: samples.filter((s) => s.gc).map((s) => ({ x: s.seconds / 60, y: mib(s.heapUsed) })),
      },
    ],
  });
}

mkdirSync(outDir, { recursive: true });
for (const [name, svg] of Object.entries(charts)) writeFileSync(join(outDir, name), svg);
console.log(`bench:charts: ${Object.keys(charts).length} charts from ${relative(root, input)} in ${relative(root, outDir)}/`);

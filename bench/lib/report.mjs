/**
 * The printed summary of a run, as Markdown tables (BENCHMARKS.md quotes them): every contender,
 * every ratio with its spread and interval, the targets judged, the callback's round trips, the
 * profiles and the micro-benchmarks.
 */
import { CHECKS, LABELS, LETTERS } from './apps.mjs';

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const percent = (share) => `${fixed(100 * share, 0)} %`;

function table(lines, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const row = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  lines.push(row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(row));
}

export function backgroundLine(background) {
  if (!background) return '';
  return `Other processes used ${percent(background.share)} of the machine (median over the measurements; ${fixed(background.medianCores, 2)} cores), at most ${percent(background.maxShare)}.`;
}

const interval = (r) => (Number.isFinite(r.interval[0]) ? `${fixed(r.interval[0], 3)}–${fixed(r.interval[1], 3)}` : 'n/a');
const spread = (r) => (r.rounds.length > 1 ? `${fixed(r.min, 3)}–${fixed(r.max, 3)}` : 'n/a');

function legTables(lines, leg, s, settings) {
  const isLogin = leg === 'login';
  lines.push(
    '',
    isLogin
      ? `### Full login: app → emulator authorize → callback (token, identity) → 302; ${settings.virtualUsers} virtual users, median of ${settings.rounds} round(s) × ${settings.seconds} s`
      : `### Redirect leg: GET /auth/salesforce → 302, a new visitor each request; ${settings.connections} connections, median of ${settings.rounds} round(s) × ${settings.seconds} s`,
    '',
  );
  table(
    lines,
    [
      'contender',
      isLogin ? 'logins/s' : 'req/s',
      'p50 ms',
      'p99 ms',
      `app CPU µs/${isLogin ? 'login' : 'req'}`,
      ...(isLogin ? ['emulator CPU µs/login'] : []),
      'failed',
    ],
    Object.entries(s.perContender).map(([c, r]) => [
      LABELS[c],
      fixed(r.perSecond, 0),
      fixed(r.p50, 2),
      fixed(r.p99, 2),
      fixed(r.appCpuMicros, 0),
      ...(isLogin ? [fixed(r.emulatorCpuMicros, 0)] : []),
      r.failures,
    ]),
  );
  lines.push('');
  table(
    lines,
    ['ratio', 'throughput', 'rounds min–max', '95 % interval', 'app CPU per request, inverted', '95 % interval '],
    Object.entries(s.ratios).map(([name, r]) => [
      name,
      fixed(r.throughput.ratio, 3),
      spread(r.throughput),
      interval(r.throughput),
      fixed(r.cpu.ratio, 3),
      interval(r.cpu),
    ]),
  );
  lines.push('', backgroundLine(s.background));
}

function checksTable(lines) {
  const contenders = ['ceiling', 'passport-floor', 'passport-oauth2', 'openid-client', 'strategy'];
  const cell = (value) => (value === true ? 'yes' : value === false ? 'no' : value);
  lines.push('', '### What each contender checks', '');
  table(
    lines,
    ['', ...contenders.map((c) => `(${LETTERS[c]})`)],
    CHECKS.map(([what, byContender]) => [what, ...contenders.map((c) => cell(byContender[c]))]),
  );
}

function profileTables(lines, profiles) {
  for (const [leg, byContender] of Object.entries(profiles)) {
    const contenders = Object.keys(byContender);
    const unit = leg === 'login' ? 'login' : 'login start';
    lines.push(
      '',
      `### Where the app's CPU goes, µs per ${unit} (${leg === 'login' ? 'full login' : 'redirect leg'}, one profiled window each; the components add up to the total, the named costs may overlap)`,
      '',
    );
    const first = byContender[contenders[0]];
    const row = (name, pick) => [name, ...contenders.map((c) => fixed(pick(byContender[c]), 1))];
    const rows = [
      row('app CPU, in all', (a) => a.cpuMicrosPerUnit),
      ...Object.keys(first.components).map((name) => row(`by component: ${name}`, (a) => a.components[name])),
      ...Object.keys(first.named).map((name) => row(`named: ${name}`, (a) => a.named[name])),
    ].filter((r) => r.slice(1).some((cell) => cell !== '0.0'));
    table(lines, ['', ...contenders.map((c) => `(${LETTERS[c]})`)], rows);
  }
}

function latencyTable(lines, latency) {
  lines.push(
    '',
    `### The callback's round trips: every call to the emulator answered ${latency.delayMs} ms late, one browser at a time (median of ${latency.logins} logins each)`,
    '',
  );
  table(
    lines,
    ['contender', 'callback ms, no delay', 'callback ms, warm', 'round trips, warm', 'callback ms, cold key cache', 'round trips, cold'],
    Object.entries(latency.contenders).map(([c, r]) => [
      LABELS[c],
      fixed(r.localMs, 1),
      fixed(r.warmMs, 1),
      fixed(r.warmRoundTrips, 2),
      fixed(r.coldMs, 1),
      fixed(r.coldRoundTrips, 2),
    ]),
  );
}

function microTables(lines, micro) {
  lines.push(
    '',
    `### The strategies' own code on a login start (authenticate() in a loop, no HTTP, Express or store; best of ${micro.trials} trials)`,
    '',
  );
  table(
    lines,
    ['contender', 'µs per login start'],
    Object.entries(micro.microsPerLoginStart).map(([c, micros]) => [LABELS[c] ?? c, fixed(micros, 2)]),
  );
  lines.push('', `### Verifying one RS256 id_token (10 in flight, best of ${micro.trials} trials of ${micro.idToken.iterations})`, '');
  table(
    lines,
    ['verifier', 'CPU µs per verify (all threads)', 'wall µs per verify'],
    Object.keys(micro.idToken.cpuMicrosPerVerify).map((name) => [
      name,
      fixed(micro.idToken.cpuMicrosPerVerify[name], 1),
      fixed(micro.idToken.microsPerVerify[name], 1),
    ]),
  );
}

export function report(run, summary, results) {
  const { settings, machine } = run;
  const parts = Object.entries(run.partSeconds ?? {})
    .map(([part, seconds]) => `${part} ${seconds} s`)
    .join(', ');
  const lines = [
    `Run of ${run.startedAt}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${run.seconds} s (${parts}).`,
    backgroundLine(summary.background),
  ];
  if (summary.targets.length > 0) {
    lines.push('', '### Targets (met only when the whole 95 % interval clears the target)', '');
    table(
      lines,
      [
        'target',
        'ratio',
        'app CPU, inverted',
        'rounds min–max',
        '95 % interval',
        'verdict',
        'throughput ratio (95 % interval)',
        'app CPU µs/request: numerator − denominator',
        'numerator / its budget (denominator ÷ target)',
      ],
      summary.targets.map((t) => [
        `${t.what} (inverted ≥ ${fixed(t.target, 3)})`,
        t.name,
        fixed(t.ratio.ratio, 3),
        spread(t.ratio),
        interval(t.ratio),
        t.verdict,
        `${fixed(t.throughput.ratio, 3)} (${interval(t.throughput)})`,
        fixed(t.extraCpuMicros, 0),
        `${fixed(t.cpuMicros, 0)} / ${fixed(t.cpuBudgetMicros, 0)}`,
      ]),
    );
  }
  if (summary.roundTrips) {
    lines.push('');
    for (const t of summary.roundTrips) lines.push(`- ${t.what}: ${t.strategy} against ${t.oauth2}, ${t.verdict}.`);
  }
  if (summary.redirect) legTables(lines, 'redirect', summary.redirect, settings);
  if (summary.login) legTables(lines, 'login', summary.login, settings);
  if (summary.redirect || summary.login) checksTable(lines);
  if (results.profile) profileTables(lines, results.profile);
  if (results.latency) latencyTable(lines, results.latency);
  if (results.micro) microTables(lines, results.micro);
  return lines.join('\n');
}

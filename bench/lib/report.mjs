/**
 * The printed summary of a run, as Markdown tables (BENCHMARKS.md quotes them): every contender,
 * every ratio with its spread and interval, the targets judged, the scaling parts in short.
 */
import { CHECKS, LABELS, LETTERS } from './apps.mjs';

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const percent = (share) => `${fixed(100 * share, 0)} %`;
const mib = (bytes) => fixed(bytes / 2 ** 20, 1);

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

function concurrencyTables(lines, s, settings) {
  lines.push('', `### Concurrent users (median of ${settings.concurrencyRounds} round(s) × ${settings.concurrencySeconds} s per level)`);
  for (const leg of ['redirect', 'login']) {
    const contenders = Object.keys(s[leg]);
    if (contenders.length === 0) continue;
    const levels = s[leg][contenders[0]].map((p) => p.users);
    lines.push('', leg === 'redirect' ? 'Redirect leg: req/s (p99 ms)' : 'Full login: logins/s (p99 ms)', '');
    table(
      lines,
      ['contender', ...levels.map(String)],
      contenders.map((c) => [LABELS[c], ...s[leg][c].map((p) => `${fixed(p.perSecond, 0)} (${fixed(p.p99, 1)})`)]),
    );
  }
  lines.push('', backgroundLine(s.background));
}

function pendingTable(lines, pending) {
  const contenders = Object.keys(pending.contenders);
  lines.push(
    '',
    `### Pending logins per session: session JSON bytes, and login-start p50 ms (${pending.sessions} sessions, one request at a time; cap ${pending.cap})`,
    '',
  );
  const rows = pending.contenders[contenders[0]].map((_, i) => [
    String(pending.contenders[contenders[0]][i].pending),
    ...contenders.map((c) => {
      const p = pending.contenders[c][i];
      return p.latency ? `${p.sessionBytes} B, ${fixed(p.latency.p50, 2)} ms` : `${p.sessionBytes} B`;
    }),
  ]);
  table(lines, ['logins started', ...contenders.map((c) => `(${LETTERS[c]})`)], rows);
}

function orgsTable(lines, orgs) {
  lines.push('', `### Orgs logged in through one process (this strategy, ${orgs.orgs} orgs)`, '');
  table(
    lines,
    ['orgs', 'heap MiB after GC', 'RSS MiB', 'key sets cached', 'logins/s in the step', 'p99 ms', 'failed'],
    orgs.points.map((p) => [
      p.orgs,
      mib(p.heapUsed),
      mib(p.rss),
      p.keyCache,
      fixed(p.loginsPerSecond, 0),
      fixed(p.p99, 1),
      p.failures ?? 0,
    ]),
  );
}

function soakLines(lines, s) {
  lines.push(
    '',
    `### Soak: ${fixed(s.durationMinutes, 1)} minutes of mixed logins, refreshes and abandoned logins (this strategy)`,
    '',
    `${Object.entries(s.actions)
      .map(([action, n]) => `${n} ${action}`)
      .join(', ')}; ${s.failed} failed.`,
    `RSS ${fixed(s.rssMiB.first, 1)} MiB at the start, ${fixed(s.rssMiB.min, 1)}–${fixed(s.rssMiB.max, 1)} MiB over the run, ${fixed(s.rssMiB.last, 1)} MiB at the end; slope over the second half ${fixed(s.rssSlopeMiBPerMinute, 2)} MiB/min.`,
    `Heap after GC ${s.heapAfterGcMiB.map((v) => fixed(v, 1)).join(', ')} MiB; slope over the second half ${fixed(s.heapAfterGcSlopeMiBPerMinute, 2)} MiB/min. At most ${s.maxSessions} sessions in the store, ${s.maxKeyCache} key set(s) cached.`,
    backgroundLine(s.background),
  );
}

function clientsTable(lines, clients, settings) {
  lines.push(
    '',
    `### HTTP clients: GET with a Bearer header, body read and parsed; ${settings.clientConcurrency} in flight, median of ${settings.clientRounds} round(s) × ${settings.clientSeconds} s`,
    '',
  );
  const rows = [];
  for (const [target, byClient] of Object.entries(clients)) {
    const fetchRate = byClient.fetch.callsPerSecond;
    for (const [client, r] of Object.entries(byClient))
      rows.push([
        target,
        client,
        fixed(r.callsPerSecond, 0),
        fixed(r.callsPerSecond / fetchRate, 2),
        fixed(r.p50, 2),
        fixed(r.clientCpuMicrosPerCall, 0),
        r.failures,
      ]);
  }
  table(lines, ['target', 'client', 'calls/s', '× fetch', 'p50 ms', 'client CPU µs/call', 'failed'], rows);
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
        'measured',
        'rounds min–max',
        '95 % interval',
        'verdict',
        'app CPU µs/request: numerator − denominator',
        'numerator / its budget (denominator ÷ target)',
      ],
      summary.targets.map((t) => [
        `${t.what} ≥ ${t.target}`,
        t.name,
        fixed(t.ratio.ratio, 3),
        spread(t.ratio),
        interval(t.ratio),
        t.verdict,
        fixed(t.extraCpuMicros, 0),
        `${fixed(t.cpuMicros, 0)} / ${fixed(t.cpuBudgetMicros, 0)}`,
      ]),
    );
  }
  if (summary.redirect) legTables(lines, 'redirect', summary.redirect, settings);
  if (summary.login) legTables(lines, 'login', summary.login, settings);
  if (summary.redirect || summary.login) checksTable(lines);
  if (results.profile) profileTables(lines, results.profile);
  if (summary.concurrency) concurrencyTables(lines, summary.concurrency, settings);
  if (results.pending) pendingTable(lines, results.pending);
  if (results.orgs) orgsTable(lines, results.orgs);
  if (summary.soak) soakLines(lines, summary.soak);
  if (summary.clients) clientsTable(lines, summary.clients, settings);
  if (results.micro) {
    lines.push(
      '',
      `### The strategies' own code on a login start (authenticate() in a loop, no HTTP, Express or store; best of ${results.micro.trials} trials)`,
      '',
    );
    table(
      lines,
      ['contender', 'µs per login start'],
      Object.entries(results.micro.microsPerLoginStart).map(([c, micros]) => [LABELS[c], fixed(micros, 2)]),
    );
  }
  return lines.join('\n');
}

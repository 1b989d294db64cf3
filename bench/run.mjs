/**
 * `npm run bench [-- options]`: what a login costs with this strategy, side by side with an
 * Express + express-session ceiling and with passport-oauth2's built-in PKCE, in one run.
 *
 * Every server (each contender's app, the emulator, a loopback JSON server) runs in its own
 * process; this process is the load generator. Contenders alternate within each round (the order
 * rotates from round to round), each round in a fresh app process with its own warm-up, and the
 * tables report medians over rounds. Raw results go to bench/results/ (latest.json for the last
 * complete run). See BENCHMARKS.md.
 *
 * Options:
 *   --quick            seconds instead of minutes: 1 short round of each part (used by CI; asserts nothing about speed)
 *   --rounds N         rounds per part (default 5)
 *   --duration S       seconds per contender per round, redirect leg and full login (default 10)
 *   --only LIST        comma-separated parts: redirect, login, clients, memory, micro (default: all)
 *   --connections N    autocannon connections for the redirect leg (default 32)
 *   --users N          virtual users for the full login (default 16)
 *   --profile          run the app servers with --cpu-prof (profiles in bench/results/profiles/)
 *   --max-background C repeat a measurement (up to 3 times, keeping the quietest) while other
 *                      processes used more than C cores during it (default 0.25; 0 turns it off)
 *   --no-build         do not rebuild dist/ when src/ is newer
 */
import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, URL, URLSearchParams } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ensureBuilt } from './lib/build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const resultsDir = join(benchDir, 'results');

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    only: { type: 'string' },
    connections: { type: 'string' },
    users: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'max-background': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});

const number = (value, fallback) => (value === undefined ? fallback : Number(value));
const settings = {
  quick: flags.quick,
  rounds: number(flags.rounds, flags.quick ? 1 : 5),
  redirectSeconds: number(flags.duration, flags.quick ? 1 : 10),
  loginSeconds: number(flags.duration, flags.quick ? 1 : 10),
  clientSeconds: flags.quick ? 0.5 : 3,
  warmupSeconds: flags.quick ? 0.5 : 3,
  connections: number(flags.connections, 32),
  virtualUsers: number(flags.users, 16),
  clientConcurrency: 16,
  memoryLogins: flags.quick ? 1000 : 10000,
  memorySessions: flags.quick ? 20 : 100,
  maxBackground: number(flags['max-background'], flags.quick ? 0 : 0.25),
  parts: (flags.only ?? 'redirect,login,clients,memory,micro').split(',').map((part) => part.trim()),
};
for (const [name, value] of Object.entries(settings)) {
  if (typeof value === 'number' && name !== 'maxBackground' && !(value > 0)) throw new TypeError(`bench: ${name} must be a positive number`);
}

ensureBuilt(root, { build: !flags['no-build'] });
const { startChild } = await import('./lib/processes.mjs');
const { CALLBACK_PATH, CLIENT_ID, CLIENT_ID_NO_OPENID, CLIENT_SECRET, CONTENDERS: ALL_CONTENDERS } = await import('./lib/apps.mjs');
const { runRedirectLeg } = await import('./load/redirect.mjs');
const { runLogins } = await import('./load/login.mjs');
const { CLIENTS, runClient } = await import('./load/clients.mjs');
const { median } = await import('./lib/stats.mjs');
const { backgroundWindow } = await import('./lib/background.mjs');
const { createPkcePair } = await import('passport-salesforce-pkce');

const LABELS = {
  ceiling: '(a) express-session ceiling',
  'passport-floor': "(a') Passport floor",
  'passport-oauth2': '(b) passport-oauth2 pkce',
  strategy: '(c) passport-salesforce-pkce',
  'passport-oauth2-no-id-token': "(b') passport-oauth2, no id_token",
  'strategy-no-id-token': "(c') passport-salesforce-pkce, no id_token",
};
/** The redirect leg's contenders: without an id_token (b') and (c') start a login exactly as (b) and (c). */
const CONTENDERS = ALL_CONTENDERS.filter((c) => !c.endsWith('-no-id-token'));
const LOGIN_CONTENDERS = ['passport-oauth2', 'strategy', 'passport-oauth2-no-id-token', 'strategy-no-id-token'];
const CLIENTS_REDIRECT = 'http://127.0.0.1/bench/clients/callback';

/** `items` rotated by `by`, so no contender always goes first (or right after a GC-heavy one). */
const rotate = (items, by) => items.map((_, i) => items[(i + by) % items.length]);
const log = (message) => console.log(`bench: ${message}`);
const backgroundNote = (result) =>
  result.backgroundCores === null ? '' : `; others used ${result.backgroundCores.toFixed(2)} cores${result.attempts > 1 ? ` (kept attempt ${result.attempts})` : ''}`;

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

// ---------------------------------------------------------------------------------------------
// Servers

const children = new Set();
let profileSeq = 0;
async function child(script, args, name) {
  const profileName = `${name.replace(/\W+/g, '-')}-${String((profileSeq += 1)).padStart(2, '0')}.cpuprofile`;
  const execArgv = flags.profile && name.startsWith('app ') ? ['--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'profiles')}`, `--cpu-prof-name=${profileName}`] : [];
  const started = await startChild(join(benchDir, script), args, { execArgv, name });
  children.add(started);
  return started;
}

async function stop(started) {
  children.delete(started);
  await started.stop();
}

async function stopAll() {
  await Promise.all([...children].map(stop));
}

/** A fresh process per contender and round, so one process's JIT and memory layout don't decide a contender's numbers. */
async function startApp(contender, emulatorInfo) {
  return child('servers/app.mjs', [contender, JSON.stringify(emulatorInfo)], `app ${contender}`);
}

let noOpenIdScopes;

/** The emulator's default Connected App scopes (its discovery document lists them), without `openid`. */
async function scopesWithoutOpenId(emulatorUrl) {
  const discovery = await (await fetch(new URL('/.well-known/openid-configuration', emulatorUrl))).json();
  const scopes = discovery.scopes_supported;
  if (!Array.isArray(scopes) || !scopes.includes('openid')) throw new Error('the emulator lists no scopes with openid among them');
  return scopes.filter((scope) => scope !== 'openid');
}

/**
 * The Connected Apps the login contenders use, with the callback URLs of this round's apps: one
 * with the emulator's default scopes (openid among them, so an id_token comes back), one without openid.
 */
async function registerConnectedApp(emulator, apps) {
  const redirectUris = [...apps.map((app) => `${app.info.url}${CALLBACK_PATH}`), CLIENTS_REDIRECT];
  await emulator.call('addApp', { app: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris } });
  noOpenIdScopes ??= await scopesWithoutOpenId(emulator.info.url);
  await emulator.call('addApp', { app: { clientId: CLIENT_ID_NO_OPENID, clientSecret: CLIENT_SECRET, redirectUris, scopes: noOpenIdScopes } });
}

const appErrors = {};
async function collectErrors(contender, app) {
  const errors = await app.call('errors');
  const total = appErrors[contender] ?? { count: 0, messages: [] };
  appErrors[contender] = { count: total.count + errors.count, messages: [...new Set([...total.messages, ...errors.messages])].slice(0, 5) };
  if (errors.count > 0) console.warn(`bench: ${contender} app errors: ${errors.count} (${errors.messages.join('; ')})`);
}

/** A token for the emulator user, by a headless login with PKCE, for the HTTP client comparison. */
async function emulatorToken(emulatorUrl) {
  const pkce = createPkcePair();
  const authorize = new URL('/services/oauth2/authorize', emulatorUrl);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: CLIENTS_REDIRECT,
    code_challenge: pkce.codeChallenge,
    code_challenge_method: 'S256',
    state: 'bench',
  }).toString();
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`the emulator's authorize answered ${redirect.status} without a code`);
  const token = await fetch(new URL('/services/oauth2/token', emulatorUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uri: CLIENTS_REDIRECT,
      code_verifier: pkce.codeVerifier,
    }),
  });
  const json = await token.json();
  if (!json.access_token) throw new Error(`the emulator's token endpoint answered ${JSON.stringify(json)}`);
  return json;
}

/**
 * Runs one measurement and notes how many cores other processes used meanwhile. While that is
 * above --max-background, waits and measures again (3 attempts at most), keeping the quietest.
 */
async function measure(fn) {
  const pids = [...children].map((started) => started.pid);
  let best;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const window = backgroundWindow(pids);
    const result = await fn();
    const backgroundCores = window.end();
    if (!best || (backgroundCores ?? 0) < best.backgroundCores) best = { ...result, backgroundCores, attempts: attempt };
    if (!settings.maxBackground || backgroundCores === null || backgroundCores <= settings.maxBackground) break;
    await delay(2000);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Parts

async function redirectPart(emulatorInfo) {
  const rounds = [];
  for (let round = 0; round < settings.rounds; round += 1) {
    const results = {};
    for (const contender of rotate(CONTENDERS, round)) {
      const app = await startApp(contender, emulatorInfo);
      await runRedirectLeg({ url: app.info.url, duration: settings.warmupSeconds, connections: settings.connections });
      const result = await measure(async () => {
        await app.call('reset');
        const cpuBefore = await app.call('cpu');
        const leg = await runRedirectLeg({ url: app.info.url, duration: settings.redirectSeconds, connections: settings.connections });
        const cpu = (await app.call('cpu')) - cpuBefore;
        return { ...leg, appCpuMicrosPerRequest: cpu / Math.max(1, leg.redirects) };
      });
      await collectErrors(contender, app);
      await stop(app);
      results[contender] = result;
      log(`redirect round ${round + 1}/${settings.rounds} ${contender}: ${result.rps.toFixed(0)} req/s, p50 ${result.latency.p50.toFixed(2)} ms${backgroundNote(result)}`);
    }
    rounds.push(results);
  }
  return rounds;
}

async function loginPart(emulator, emulatorInfo) {
  const rounds = [];
  for (let round = 0; round < settings.rounds; round += 1) {
    const results = {};
    for (const contender of rotate(LOGIN_CONTENDERS, round)) {
      const app = await startApp(contender, emulatorInfo);
      await registerConnectedApp(emulator, [app]);
      await runLogins({ appUrl: app.info.url, virtualUsers: settings.virtualUsers, duration: settings.warmupSeconds });
      const result = await measure(async () => {
        await app.call('reset');
        await emulator.call('reset');
        const [appCpu, emulatorCpu] = await Promise.all([app.call('cpu'), emulator.call('cpu')]);
        const logins = await runLogins({ appUrl: app.info.url, virtualUsers: settings.virtualUsers, duration: settings.loginSeconds });
        const [appCpuAfter, emulatorCpuAfter] = await Promise.all([app.call('cpu'), emulator.call('cpu')]);
        const count = Math.max(1, logins.logins);
        return { ...logins, appCpuMicrosPerLogin: (appCpuAfter - appCpu) / count, emulatorCpuMicrosPerLogin: (emulatorCpuAfter - emulatorCpu) / count };
      });
      await collectErrors(contender, app);
      await stop(app);
      results[contender] = result;
      log(`login round ${round + 1}/${settings.rounds} ${contender}: ${result.loginsPerSecond.toFixed(0)} logins/s, p50 ${result.latency.p50.toFixed(2)} ms${backgroundNote(result)}`);
    }
    rounds.push(results);
  }
  return rounds;
}

async function clientsPart(emulator) {
  const token = await emulatorToken(emulator.info.url);
  const headers = { authorization: `Bearer ${token.access_token}`, accept: 'application/json' };
  const identity = await (await fetch(token.id, { headers })).text();
  const json = await child('servers/json.mjs', [identity], 'json server');
  const targets = { 'loopback JSON server': json.info.url, 'emulator identity URL': token.id };
  const rounds = [];
  for (const url of Object.values(targets)) {
    for (const client of CLIENTS) await runClient({ client, url, headers, duration: settings.warmupSeconds / 3, concurrency: settings.clientConcurrency });
  }
  for (let round = 0; round < settings.rounds; round += 1) {
    const results = {};
    for (const [target, url] of Object.entries(targets)) {
      results[target] = {};
      for (const client of rotate(CLIENTS, round)) {
        await emulator.call('reset');
        results[target][client] = await measure(() => runClient({ client, url, headers, duration: settings.clientSeconds, concurrency: settings.clientConcurrency }));
      }
    }
    rounds.push(results);
    log(`clients round ${round + 1}/${settings.rounds} done`);
  }
  return { identityBytes: Buffer.byteLength(identity), targets: Object.keys(targets), rounds };
}

function microPart() {
  log('micro: the strategies\' own code on a login start, hot loop');
  const args = flags.quick ? ['5000', '3'] : ['50000', '9'];
  const output = execFileSync(process.execPath, [join(benchDir, 'micro.mjs'), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(output.trim().split('\n').at(-1));
}

function memoryPart(emulatorInfo) {
  const results = {};
  for (const contender of ['passport-oauth2', 'strategy']) {
    log(`memory: ${contender}, ${settings.memoryLogins} abandoned logins over ${settings.memorySessions} sessions`);
    const output = execFileSync(
      process.execPath,
      ['--expose-gc', join(benchDir, 'memory.mjs'), contender, JSON.stringify(emulatorInfo), String(settings.memoryLogins), String(settings.memorySessions)],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    results[contender] = JSON.parse(output.trim().split('\n').at(-1));
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Summary

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Median and maximum of the cores other processes used during the measurements, `null` off Linux. */
function backgroundSummary(measurements) {
  const cores = measurements.map((m) => m.backgroundCores).filter((c) => typeof c === 'number');
  return cores.length === 0 ? null : { median: median(cores), max: Math.max(...cores), repeated: measurements.filter((m) => m.attempts > 1).length };
}

const backgroundLine = (background) =>
  background === null || background === undefined
    ? ''
    : `Other processes used a median ${fixed(background.median, 2)} cores (max ${fixed(background.max, 2)}) during these measurements${background.repeated ? `; ${background.repeated} were repeated for it` : ''}.`;

function summarise(results) {
  const summary = {};
  if (results.redirect) {
    const rounds = results.redirect;
    const metric = (contender, pick) => median(rounds.map((round) => pick(round[contender])));
    summary.redirect = Object.fromEntries(
      CONTENDERS.map((c) => [
        c,
        {
          rps: metric(c, (r) => r.rps),
          p50: metric(c, (r) => r.latency.p50),
          p99: metric(c, (r) => r.latency.p99),
          appCpuMicrosPerRequest: metric(c, (r) => r.appCpuMicrosPerRequest),
          failures: rounds.reduce((sum, round) => sum + round[c].errors + round[c].timeouts + Object.entries(round[c].statuses).filter(([s]) => s !== '302').reduce((n, [, k]) => n + k, 0), 0),
        },
      ]),
    );
    const s = summary.redirect;
    summary.redirect.ratios = {
      strategyToCeiling: s.strategy.rps / s.ceiling.rps,
      strategyToPassportFloor: s.strategy.rps / s['passport-floor'].rps,
      passportFloorToCeiling: s['passport-floor'].rps / s.ceiling.rps,
      strategyToPassportOAuth2: s.strategy.rps / s['passport-oauth2'].rps,
      pairedStrategyToCeiling: rounds.map((round) => round.strategy.rps / round.ceiling.rps),
      pairedStrategyToPassportFloor: rounds.map((round) => round.strategy.rps / round['passport-floor'].rps),
      pairedStrategyToPassportOAuth2: rounds.map((round) => round.strategy.rps / round['passport-oauth2'].rps),
    };
    summary.redirect.backgroundCores = backgroundSummary(rounds.flatMap((round) => Object.values(round)));
  }
  if (results.login) {
    const rounds = results.login;
    const metric = (contender, pick) => median(rounds.map((round) => pick(round[contender])));
    summary.login = Object.fromEntries(
      LOGIN_CONTENDERS.map((c) => [
        c,
        {
          loginsPerSecond: metric(c, (r) => r.loginsPerSecond),
          p50: metric(c, (r) => r.latency.p50),
          p99: metric(c, (r) => r.latency.p99),
          appCpuMicrosPerLogin: metric(c, (r) => r.appCpuMicrosPerLogin),
          emulatorCpuMicrosPerLogin: metric(c, (r) => r.emulatorCpuMicrosPerLogin),
          failures: rounds.reduce((sum, round) => sum + Object.values(round[c].failures).reduce((n, k) => n + k, 0), 0),
        },
      ]),
    );
    const l = summary.login;
    summary.login.ratios = {
      strategyToPassportOAuth2: l.strategy.loginsPerSecond / l['passport-oauth2'].loginsPerSecond,
      pairedStrategyToPassportOAuth2: rounds.map((round) => round.strategy.loginsPerSecond / round['passport-oauth2'].loginsPerSecond),
      appCpuStrategyToPassportOAuth2: l.strategy.appCpuMicrosPerLogin / l['passport-oauth2'].appCpuMicrosPerLogin,
      noIdTokenToPassportOAuth2: l['strategy-no-id-token'].loginsPerSecond / l['passport-oauth2-no-id-token'].loginsPerSecond,
      pairedNoIdTokenToPassportOAuth2: rounds.map((round) => round['strategy-no-id-token'].loginsPerSecond / round['passport-oauth2-no-id-token'].loginsPerSecond),
      appCpuNoIdTokenToPassportOAuth2: l['strategy-no-id-token'].appCpuMicrosPerLogin / l['passport-oauth2-no-id-token'].appCpuMicrosPerLogin,
    };
    summary.login.backgroundCores = backgroundSummary(rounds.flatMap((round) => Object.values(round)));
  }
  if (results.clients) {
    const { rounds, targets } = results.clients;
    summary.clients = Object.fromEntries(
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
  if (results.clients) {
    summary.clientsBackgroundCores = backgroundSummary(results.clients.rounds.flatMap((round) => Object.values(round).flatMap((byClient) => Object.values(byClient))));
  }
  if (results.memory) summary.memory = results.memory;
  if (results.micro) summary.micro = results.micro.microsPerLoginStart;
  return summary;
}

function range(values) {
  if (!values?.length) return '';
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 1 ? '' : ` (rounds ${fixed(sorted[0], 2)}–${fixed(sorted.at(-1), 2)})`;
}

function printTables(summary, run) {
  const lines = [];
  const row = (cells, widths) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  const table = (header, rows) => {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
    lines.push(row(header, widths), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map((r) => row(r, widths)));
  };
  const { rounds } = run.settings;
  if (summary.redirect) {
    const s = summary.redirect;
    lines.push('', `Redirect leg: GET /auth/salesforce → 302, new visitor each request; ${run.settings.connections} connections, median of ${rounds} round(s) × ${run.settings.redirectSeconds} s`, '');
    table(
      ['contender', 'req/s', 'p50 ms', 'p99 ms', 'app CPU µs/req', 'failed'],
      CONTENDERS.map((c) => [LABELS[c], fixed(s[c].rps, 0), fixed(s[c].p50, 2), fixed(s[c].p99, 2), fixed(s[c].appCpuMicrosPerRequest, 0), s[c].failures]),
    );
    lines.push(
      '',
      `(c)/(a)  = ${fixed(s.ratios.strategyToCeiling, 3)}${range(s.ratios.pairedStrategyToCeiling)}   target ≥ 0.97`,
      `(c)/(a') = ${fixed(s.ratios.strategyToPassportFloor, 3)}${range(s.ratios.pairedStrategyToPassportFloor)}   (a')/(a) = ${fixed(s.ratios.passportFloorToCeiling, 3)}: Passport's own share`,
      `(c)/(b)  = ${fixed(s.ratios.strategyToPassportOAuth2, 3)}${range(s.ratios.pairedStrategyToPassportOAuth2)}   target ≥ 1.0`,
      `App CPU per login start: (c) − (a) = ${fixed(s.strategy.appCpuMicrosPerRequest - s.ceiling.appCpuMicrosPerRequest, 0)} µs, of which Passport (a') − (a) = ${fixed(s['passport-floor'].appCpuMicrosPerRequest - s.ceiling.appCpuMicrosPerRequest, 0)} µs; (c) − (b) = ${fixed(s.strategy.appCpuMicrosPerRequest - s['passport-oauth2'].appCpuMicrosPerRequest, 0)} µs.`,
      backgroundLine(s.backgroundCores),
    );
  }
  if (summary.login) {
    const s = summary.login;
    lines.push('', `Full login: app → emulator authorize → callback (token + identity) → 302; ${run.settings.virtualUsers} virtual users, median of ${rounds} round(s) × ${run.settings.loginSeconds} s`, '');
    table(
      ['contender', 'logins/s', 'p50 ms', 'p99 ms', 'app CPU µs/login', 'emulator CPU µs/login', 'failed'],
      LOGIN_CONTENDERS.map((c) => [LABELS[c], fixed(s[c].loginsPerSecond, 0), fixed(s[c].p50, 2), fixed(s[c].p99, 2), fixed(s[c].appCpuMicrosPerLogin, 0), fixed(s[c].emulatorCpuMicrosPerLogin, 0), s[c].failures]),
    );
    lines.push(
      '',
      `(c)/(b)   = ${fixed(s.ratios.strategyToPassportOAuth2, 3)}${range(s.ratios.pairedStrategyToPassportOAuth2)}   target ≥ 1.0; app CPU per login (c)/(b) = ${fixed(s.ratios.appCpuStrategyToPassportOAuth2, 3)}`,
      `(c')/(b') = ${fixed(s.ratios.noIdTokenToPassportOAuth2, 3)}${range(s.ratios.pairedNoIdTokenToPassportOAuth2)}   app CPU per login (c')/(b') = ${fixed(s.ratios.appCpuNoIdTokenToPassportOAuth2, 3)}`,
      `The id_token check: ((c) − (c')) − ((b) − (b')) = ${fixed(s.strategy.appCpuMicrosPerLogin - s['strategy-no-id-token'].appCpuMicrosPerLogin - (s['passport-oauth2'].appCpuMicrosPerLogin - s['passport-oauth2-no-id-token'].appCpuMicrosPerLogin), 0)} µs of app CPU per login`,
      `  (passport-oauth2 ignores id_tokens; the rest of the difference with and without one is the emulator's RSA signature slowing every login).`,
      backgroundLine(s.backgroundCores),
    );
  }
  if (summary.clients) {
    lines.push('', `HTTP clients: GET with a Bearer header, body read and parsed; ${run.settings.clientConcurrency} in flight, median of ${rounds} round(s) × ${run.settings.clientSeconds} s`, '');
    const rows = [];
    for (const [target, clients] of Object.entries(summary.clients)) {
      const fetchRate = clients.fetch.callsPerSecond;
      for (const [client, r] of Object.entries(clients)) {
        rows.push([target, client, fixed(r.callsPerSecond, 0), fixed(r.callsPerSecond / fetchRate, 2), fixed(r.p50, 2), fixed(r.clientCpuMicrosPerCall, 0), r.failures]);
      }
    }
    table(['target', 'client', 'calls/s', '× fetch', 'p50 ms', 'client CPU µs/call', 'failed'], rows);
    lines.push('', backgroundLine(summary.clientsBackgroundCores));
  }
  if (summary.micro) {
    lines.push('', `The strategies' own code on a login start (authenticate() in a hot loop, no HTTP, Express or store; best of ${run.settings.quick ? 3 : 9} trials)`, '');
    table(
      ['contender', 'µs per login start'],
      ['passport-floor', 'passport-oauth2', 'strategy'].map((c) => [LABELS[c], fixed(summary.micro[c], 2)]),
    );
  }
  if (summary.memory) {
    lines.push('', 'Memory: session bytes per pending login (express-session MemoryStore JSON), heap after forced GC', '');
    const rows = Object.entries(summary.memory).map(([c, m]) => {
      const [first, second] = m.bytesPerPendingLogin;
      const atCap = m.bytesPerPendingLogin.at(-1);
      const heap = (n) => m.heap.find((h) => h.logins === n);
      const cap = heap(m.sessions * 10);
      const last = m.heap.at(-1);
      const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
      const growth = cap ? (last.heapUsed - cap.heapUsed) / (last.logins - cap.logins) : Number.NaN;
      return [
        LABELS[c],
        first,
        second,
        atCap,
        `${mib(m.heap[0].heapUsed)} / ${cap ? mib(cap.heapUsed) : 'n/a'} / ${mib(last.heapUsed)}`,
        fixed(growth, 1),
        `${cap?.storeBytes ?? 'n/a'} / ${last.storeBytes}`,
      ];
    });
    const s = run.settings;
    table(
      [
        'contender',
        '1st login B',
        '2nd login B',
        'past cap B',
        `heap MiB: 0 / ${s.memorySessions * 10} / ${s.memoryLogins} logins`,
        'heap B/login past cap',
        `store bytes: ${s.memorySessions * 10} / ${s.memoryLogins}`,
      ],
      rows,
    );
    lines.push('', `${s.memoryLogins} abandoned logins over ${s.memorySessions} sessions; target ≤ 200 B per pending login, heap flat once every session holds its cap (10).`);
  }
  console.log(lines.join('\n'));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

const run = { startedAt: new Date().toISOString(), machine: machine(), settings };
log(`${run.machine.cpu}, ${run.machine.cores} cores, Node ${run.machine.node}, load average ${run.machine.loadAverageAtStart.join(' ')}`);
const began = performance.now();
const results = {};
try {
  const emulator = await child('servers/emulator.mjs', [], 'emulator');
  const emulatorInfo = { url: emulator.info.url, orgId: emulator.info.orgId, userId: emulator.info.userId };
  await registerConnectedApp(emulator, []);

  if (settings.parts.includes('redirect')) results.redirect = await redirectPart(emulatorInfo);
  if (settings.parts.includes('login')) results.login = await loginPart(emulator, emulatorInfo);
  results.appErrors = appErrors;
  if (settings.parts.includes('clients')) results.clients = await clientsPart(emulator);
  await stopAll();
  if (settings.parts.includes('memory')) results.memory = memoryPart(emulatorInfo);
  if (settings.parts.includes('micro')) results.micro = microPart();
} finally {
  await stopAll();
}
run.machine.loadAverageAtEnd = os.loadavg().map((load) => Math.round(load * 100) / 100);
run.seconds = Math.round((performance.now() - began) / 1000);

const summary = summarise(results);
const text = printTables(summary, run);
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `bench-${run.startedAt.replace(/[:.]/g, '-')}${settings.quick ? '-quick' : ''}.json`);
const json = `${JSON.stringify({ ...run, summary, results, table: text }, null, 2)}\n`;
writeFileSync(file, json);
const complete = ['redirect', 'login', 'clients', 'memory', 'micro'].every((part) => settings.parts.includes(part));
writeFileSync(join(resultsDir, settings.quick ? 'latest-quick.json' : complete ? 'latest.json' : 'latest-partial.json'), json);
log(`done in ${run.seconds} s; raw results in ${relative(root, file)}`);
if (flags.profile) log(`CPU profiles in ${relative(root, join(resultsDir, 'profiles'))}/ (open in Chrome DevTools or speedscope)`);

// The numbers are not judged here, but a benchmark whose logins fail measures nothing.
const failed = [
  ...Object.entries(summary.redirect ?? {}).filter(([c, s]) => CONTENDERS.includes(c) && s.failures > 0),
  ...Object.entries(summary.login ?? {}).filter(([c, s]) => LOGIN_CONTENDERS.includes(c) && s.failures > 0),
  ...Object.entries(results.appErrors ?? {}).filter(([, e]) => e.count > 0),
].map(([c]) => c);
if (failed.length > 0) {
  console.error(`bench: requests failed for ${[...new Set(failed)].join(', ')}; see ${relative(root, file)}`);
  process.exitCode = 1;
}

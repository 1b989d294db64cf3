/**
 * Every code sample in README.md, docs/*.md and the emulator package's README runs here. Each
 * fenced block is preceded by a marker comment, `<!-- sample: MODE [args] -->`, that says how:
 *
 *   app [without-pkce] a complete app (js: CommonJS or ESM, ts: type-checked, then run): started with
 *                     SF_* settings for a headless emulator; a login through it must end on a page
 *                     that says "Logged in as Ada Lovelace" (without-pkce: the Connected App does
 *                     not require PKCE, as an older one, for code that sends none)
 *   routes [M:/path]  a fragment added to the CommonJS quick start (after its middleware); a login
 *                     must succeed, then each METHOD:/path must answer below 400
 *   script            a complete program (ts: type-checked too) that must exit 0
 *   typecheck         type-checked only (needs services the tests don't have, e.g. Redis)
 *   node-test         run with `node --test`
 *   emulator          a fragment run with a started `emulator` in scope
 *   shell-background  started in the background (e.g. the emulator) for the next `shell` block
 *   shell             run with bash (npx salesforce-oauth-emulator maps to the built bin); exit 0
 *   skip (why)        shell commands only (installs, the test suite itself), with the reason
 *   nest              a complete NestJS app: test/frameworks/nest.matrix.ts compiles and runs it
 *                     in its scratch sites, where NestJS is installed
 *
 * The samples import the packages by name, so they run against the builds in dist/ (the test
 * setup, scripts/build.mjs, rebuilds them when src/ is newer).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { isStale } from '../scripts/build.mjs';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { EmulatorBrowser } from './helpers/emulator-pages.js';
import { freePort } from './helpers/ports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** README.md, every Markdown file of docs/, and the emulator package's README. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
  'packages/salesforce-oauth-emulator/README.md',
];
const WORK = join(ROOT, 'test-results', 'readme-samples');
const EMULATOR_BIN = join(ROOT, 'packages', 'salesforce-oauth-emulator', 'dist', 'esm', 'bin.js');

interface Sample {
  /** The Markdown file, relative to the repository. */
  file: string;
  lang: string;
  code: string;
  marker: string | undefined;
  heading: string;
  line: number;
}

/** The fenced blocks of a Markdown file, each with the marker comment right above it. */
function extractSamples(file: string): Sample[] {
  const markdown = readFileSync(join(ROOT, file), 'utf8');
  const lines = markdown.split('\n');
  const samples: Sample[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const title = /^#{1,4} (.+)$/.exec(line);
    if (title) heading = title[1] ?? '';
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] ?? '');
    let above = start - 1;
    while (above >= 0 && (lines[above] ?? '').trim() === '') above--;
    const marker = /^<!-- sample: (.+) -->$/.exec(lines[above] ?? '')?.[1];
    samples.push({ file, lang: fence[1] ?? '', code: `${body.join('\n')}\n`, marker, heading, line: start + 1 });
  }
  return samples;
}

const samples = DOCUMENTS.flatMap(extractSamples);
/** Blocks that show output, data or a change, not code to run. */
const OUTPUT_LANGS = new Set(['text', 'json', 'diff']);
const CODE_LANGS = new Set(['js', 'ts']);
const MODES = new Set([
  'app',
  'routes',
  'script',
  'typecheck',
  'node-test',
  // A test file, test/login.test.mjs, of an app whose app.cjs is the README's quick start.
  'app-test',
  'emulator',
  'shell-background',
  'shell',
  'first-login-emulator',
  'first-login-app',
  // Installed, compiled and run on several TypeScript versions by test/types/quick-start.matrix.ts.
  'ts-quick-start',
  'skip',
  // A complete NestJS app, compiled and run by test/frameworks/nest.matrix.ts where NestJS is installed.
  'nest',
]);

function mode(sample: Sample): string {
  return (sample.marker ?? '').split(/\s+/)[0] ?? '';
}

function sampleDir(sample: Sample): string {
  const dir = join(
    WORK,
    `${sample.file.replace(/\W+/g, '-')}-line-${sample.line}-${createHash('sha256').update(sample.code).digest('hex').slice(0, 8)}`,
  );
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** `.cjs` for code that uses require(), `.mjs` otherwise (the package itself is `"type": "module"`). */
function jsExtension(code: string): '.cjs' | '.mjs' {
  return /\brequire\(/.test(code) ? '.cjs' : '.mjs';
}

// ---------------------------------------------------------------------------------------------
// Type-checking and compiling TypeScript samples against the built package.

function typecheck(file: string, isJs: boolean): string[] {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    strict: !isJs,
    noEmit: true,
    skipLibCheck: true,
    allowJs: isJs,
    checkJs: isJs,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

/** Writes a sample as a file; TypeScript is type-checked and compiled to `.mjs`. Returns the file to run. */
function materialise(sample: Sample, code = sample.code): string {
  const dir = sampleDir(sample);
  if (sample.lang === 'ts') {
    const source = join(dir, 'sample.mts');
    writeFileSync(source, code);
    expect(typecheck(source, false)).toEqual([]);
    const output = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const compiled = join(dir, 'sample.mjs');
    writeFileSync(compiled, output);
    return compiled;
  }
  const file = join(dir, `sample${jsExtension(code)}`);
  writeFileSync(file, code);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Processes.

const children: ChildProcess[] = [];
const emulators: RunningEmulator[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(emulators.map((emulator) => emulator.close()));
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], env: Record<string, string> = {}, cwd = ROOT): Started {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SF_')));
  const child = spawn(command, args, { cwd, env: { ...inherited, ...env } });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function runToEnd(command: string, args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<void> {
  const process = start(command, args, env, cwd);
  const code = await process.exited;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${process.output()}`);
}

async function waitForHttp(url: string, process: Started): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (process.child.exitCode !== null) throw new Error(`the sample exited with ${process.child.exitCode}:\n${process.output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`the sample never answered at ${url}:\n${process.output()}`);
}

/** A headless emulator with the Connected App the samples' SF_* settings name. */
async function salesforceFor(callbackURL: string, requirePkce = true): Promise<{ emulator: RunningEmulator; env: Record<string, string> }> {
  const emulator = await startEmulator({
    restApi: true,
    users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }],
    apps: [{ clientId: 'readme-app', clientSecret: 'readme-secret', redirectUris: [callbackURL], requirePkce }],
  });
  emulators.push(emulator);
  return {
    emulator,
    env: { SF_CLIENT_ID: 'readme-app', SF_CLIENT_SECRET: 'readme-secret', SF_LOGIN_URL: emulator.url, SESSION_SECRET: 'readme' },
  };
}

/** Logs in through an app the way a browser does; resolves to the app's cookie and its home page. */
async function logInThrough(appUrl: string): Promise<{ cookie: string; home: string }> {
  // Every cookie the app sets, by name (cookie-session sets the session and its signature).
  const jar = new Map<string, string>();
  let cookie = '';
  const remember = (response: Response): void => {
    for (const setCookie of response.headers.getSetCookie()) {
      const pair = setCookie.split(';')[0] ?? '';
      jar.set(pair.split('=')[0] ?? '', pair);
    }
    cookie = [...jar.values()].join('; ');
  };
  const startLogin = await fetch(`${appUrl}/auth/salesforce`, { redirect: 'manual' });
  remember(startLogin);
  expect(startLogin.status).toBe(302);
  const authorize = await fetch(startLogin.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual', headers: { cookie } });
  remember(callback);
  if (callback.status !== 302) throw new Error(`the callback answered ${callback.status}: ${await callback.text()}`);
  const home = await fetch(new URL(callback.headers.get('location') ?? '/', appUrl), { headers: { cookie } });
  return { cookie, home: await home.text() };
}

async function runApp(file: string, routes: string[] = [], requirePkce = true): Promise<void> {
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  const { env } = await salesforceFor(`${appUrl}/auth/salesforce/callback`, requirePkce);
  const app = start(process.execPath, [file], { ...env, PORT: String(port) });
  await waitForHttp(appUrl, app);
  const { cookie, home } = await logInThrough(appUrl);
  expect(home).toBe('Logged in as Ada Lovelace');
  for (const route of routes) {
    // `GET:/path` answers below 400; `GET:/path=400` answers 400 with words, not a bare status text.
    const [, method = 'GET', path = '/', expected] = /^(\w+):(.*?)(?:=(\d{3}))?$/.exec(route) ?? [];
    const response = await fetch(`${appUrl}${path}`, { method, headers: { cookie }, redirect: 'manual' });
    const text = await response.text();
    if (expected === undefined) expect(response.status, `${route}: ${text}`).toBeLessThan(400);
    else {
      expect(response.status, `${route}: ${text}`).toBe(Number(expected));
      expect(text).not.toBe(STATUS_CODES[Number(expected)]);
      expect(text.length, `${route}: says what happened and what to do: ${text}`).toBeGreaterThan(60);
    }
  }
}

/** The CommonJS quick start: the app that `routes` fragments are added to. */
function quickStartCjs(): string {
  const quickStart = samples.find(
    (sample) => sample.file === 'README.md' && mode(sample) === 'app' && sample.lang === 'js' && /\brequire\(/.test(sample.code),
  );
  if (quickStart === undefined) throw new Error('README has no CommonJS quick start app');
  return quickStart.code;
}

/** `npx salesforce-oauth-emulator` runs the built bin, as it would where the package is installed. */
function npxShim(): string {
  const dir = join(WORK, 'bin');
  mkdirSync(dir, { recursive: true });
  const npx = join(dir, 'npx');
  writeFileSync(
    npx,
    `#!/bin/sh\nif [ "$1" = salesforce-oauth-emulator ]; then shift; exec "${process.execPath}" "${EMULATOR_BIN}" "$@"; fi\necho "unexpected: npx $*" >&2\nexit 127\n`,
  );
  chmodSync(npx, 0o755);
  return dir;
}

/**
 * The README's first login: the emulator command as written (on free ports: the emulator with
 * `--port` and `--redirect-uri` added, the app with PORT), whose printed settings must be the ones
 * the app command uses, then the app command as written in a directory holding the quick start as
 * `app.cjs`, then a login through the emulator's login and approval pages as the README says.
 */
async function firstLogin(emulatorSample: Sample, appSample: Sample): Promise<void> {
  const [emulatorPort, appPort] = [String(await freePort()), String(await freePort())];
  const appUrl = `http://localhost:${appPort}`;
  const env = { PATH: `${npxShim()}:${process.env['PATH'] ?? ''}` };
  const emulator = start(
    'bash',
    ['-c', `${emulatorSample.code.trim()} --port ${emulatorPort} --redirect-uri ${appUrl}/auth/salesforce/callback`],
    env,
  );
  for (let i = 0; i < 100 && !emulator.output().includes('Press Ctrl+C'); i++) await new Promise((r) => setTimeout(r, 100));
  expect(emulator.output()).toContain('Press Ctrl+C');
  const command = appSample.code.trim().replaceAll('4300', emulatorPort);
  const settings = [...command.matchAll(/\b(SF_\w+=\S+)/g)].map((match) => `  ${match[1] ?? ''}\n`);
  expect(settings.length).toBeGreaterThanOrEqual(3);
  for (const setting of settings) expect(emulator.output()).toContain(setting);

  const dir = sampleDir(appSample);
  writeFileSync(join(dir, 'app.cjs'), quickStartCjs());
  const app = start('bash', ['-c', command], { ...env, PORT: appPort }, dir);
  await waitForHttp(appUrl, app);
  const login = await fetch(`${appUrl}/auth/salesforce`, { redirect: 'manual' });
  const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const callback = await new EmulatorBrowser({ username: 'ada@example.com', password: 'password' }).walk(
    login.headers.get('location') ?? '',
    appUrl,
  );
  const finished = await fetch(callback, { redirect: 'manual', headers: { cookie } });
  expect(finished.status, await finished.clone().text()).toBe(302);
  const session = (finished.headers.getSetCookie()[0] ?? cookie).split(';')[0] ?? '';
  const home = await fetch(new URL(finished.headers.get('location') ?? '', appUrl), { headers: { cookie: session } });
  expect(await home.text()).toBe('Logged in as Ada Lovelace');
  app.child.kill();
  emulator.child.kill();
}

// ---------------------------------------------------------------------------------------------

describe('README, docs/ and emulator README code samples', () => {
  it('runs against a build of both packages', () => {
    for (const packageDir of [ROOT, join(ROOT, 'packages', 'salesforce-oauth-emulator')]) {
      expect(existsSync(join(packageDir, 'dist', 'esm', 'index.js')), `${packageDir}/dist/ is missing: run \`npm run build\``).toBe(true);
      expect(isStale(packageDir), `${packageDir}/dist/ is older than its src/: scripts/build.mjs did not run`).toBe(false);
    }
  });

  it("installs, in README's install lines, every package its quick start and first login use", () => {
    const install = samples.find((sample) => sample.file === 'README.md' && sample.lang === 'sh' && /^npm install /m.test(sample.code));
    const installed = new Set(
      (install?.code ?? '')
        .split('\n')
        .filter((line) => line.startsWith('npm install '))
        .flatMap((line) => line.split(/\s+/).slice(2))
        .filter((word) => !word.startsWith('-')),
    );
    const required = [...quickStartCjs().matchAll(/require\('([^']+)'\)/g)].map((match) => match[1] ?? '');
    const firstLogin = samples.filter((sample) => sample.file === 'README.md' && mode(sample).startsWith('first-login'));
    const commands = [
      ...firstLogin
        .map((sample) => sample.code)
        .join('\n')
        .matchAll(/npx (\S+)/g),
    ].map((match) => match[1] ?? '');
    expect(required).toContain('express');
    expect(commands).toEqual(['salesforce-oauth-emulator']);
    expect([...required, ...commands].filter((name) => !installed.has(name))).toEqual([]);
  });

  it('answers a wrong consumer secret in the quick start with Salesforce’s words, not a stack trace', async () => {
    const port = await freePort();
    const appUrl = `http://localhost:${port}`;
    const { env } = await salesforceFor(`${appUrl}/auth/salesforce/callback`);
    mkdirSync(WORK, { recursive: true });
    const file = join(WORK, 'quick-start-wrong-secret.cjs');
    writeFileSync(file, quickStartCjs());
    const app = start(process.execPath, [file], { ...env, SF_CLIENT_SECRET: 'not-the-secret', PORT: String(port) });
    await waitForHttp(appUrl, app);
    const startLogin = await fetch(`${appUrl}/auth/salesforce`, { redirect: 'manual' });
    const cookie = (startLogin.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const authorize = await fetch(startLogin.headers.get('location') ?? '', { redirect: 'manual' });
    const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual', headers: { cookie } });
    expect([callback.status, await callback.text()]).toEqual([
      500,
      'Login failed: Salesforce token request failed: HTTP 400, invalid_client. See docs/troubleshooting.md of passport-salesforce-pkce.',
    ]);
    expect(app.output()).toBe('Login failed: Salesforce token request failed: HTTP 400, invalid_client\n');
  }, 60_000);

  it('marks every sample with how it is tested', () => {
    const unmarked = samples.filter((sample) => !OUTPUT_LANGS.has(sample.lang) && !MODES.has(mode(sample)));
    expect(unmarked.map((s) => `${s.file}:${s.line} (${s.heading}) needs <!-- sample: MODE --> above it`)).toEqual([]);
    const skippedCode = samples.filter((sample) => CODE_LANGS.has(sample.lang) && mode(sample) === 'skip');
    expect(skippedCode.map((s) => `${s.file}:${s.line}`)).toEqual([]);
    const unknownLanguage = samples.filter(
      (sample) => !OUTPUT_LANGS.has(sample.lang) && !CODE_LANGS.has(sample.lang) && sample.lang !== 'sh',
    );
    expect(unknownLanguage.map((s) => `${s.file}:${s.line}: \`\`\`${s.lang}`)).toEqual([]);
    const skipsWithoutReason = samples.filter((sample) => mode(sample) === 'skip' && !/^skip \(.+\)$/.test(sample.marker ?? ''));
    expect(skipsWithoutReason.map((s) => `${s.file}:${s.line}`)).toEqual([]);
  });

  for (const sample of samples) {
    const title = `${sample.heading}: ${sample.marker} (${sample.file}:${sample.line})`;
    switch (mode(sample)) {
      case 'app':
        it(title, async () => runApp(materialise(sample), [], !(sample.marker ?? '').split(/\s+/).includes('without-pkce')), 60_000);
        break;
      case 'routes': {
        const routes = (sample.marker ?? '').split(/\s+/).slice(1);
        it(
          title,
          async () => {
            const base = quickStartCjs();
            const anchor = 'app.use(passport.session());\n';
            expect(base).toContain(anchor);
            await runApp(materialise({ ...sample, lang: 'js' }, base.replace(anchor, `${anchor}\n${sample.code}\n`)), routes);
          },
          60_000,
        );
        break;
      }
      case 'script':
        it(
          title,
          async () =>
            runToEnd(process.execPath, [materialise(sample)], { SF_CLIENT_ID: 'readme-app', SF_LOGIN_URL: 'https://login.salesforce.com' }),
          60_000,
        );
        break;
      case 'typecheck':
        it(
          title,
          () => {
            const dir = sampleDir(sample);
            const file = join(dir, sample.lang === 'ts' ? 'sample.mts' : `sample${jsExtension(sample.code)}`);
            writeFileSync(file, sample.code);
            expect(typecheck(file, sample.lang !== 'ts')).toEqual([]);
          },
          60_000,
        );
        break;
      case 'node-test':
        it(title, async () => runToEnd(process.execPath, ['--test', materialise(sample)]), 60_000);
        break;
      case 'app-test':
        it(
          title,
          async () => {
            const dir = sampleDir(sample);
            writeFileSync(join(dir, 'app.cjs'), quickStartCjs());
            mkdirSync(join(dir, 'test'), { recursive: true });
            writeFileSync(join(dir, 'test', 'login.test.mjs'), sample.code);
            await runToEnd(process.execPath, ['--test', join('test', 'login.test.mjs')], {}, dir);
          },
          60_000,
        );
        break;
      case 'emulator':
        it(
          title,
          async () => {
            const code = `import { startEmulator } from 'salesforce-oauth-emulator';\nconst emulator = await startEmulator();\ntry {\n${sample.code}} finally {\n  await emulator.close();\n}\n`;
            await runToEnd(process.execPath, [materialise({ ...sample, lang: 'js' }, code)]);
          },
          60_000,
        );
        break;
      case 'shell': {
        const index = samples.indexOf(sample);
        const background = samples
          .slice(0, index)
          .reverse()
          .find((s) => s.file === sample.file && s.lang === 'sh' && mode(s) !== 'skip');
        it(
          title,
          async () => {
            const port = String(await freePort());
            const env = { PATH: `${npxShim()}:${process.env['PATH'] ?? ''}` };
            const withPort = (code: string): string => code.replaceAll('4300', port);
            let server: Started | undefined;
            if (background !== undefined && mode(background) === 'shell-background') {
              server = start('bash', ['-c', withPort(background.code)], env);
              for (let i = 0; i < 100 && !server.output().includes('Press Ctrl+C'); i++) await new Promise((r) => setTimeout(r, 100));
              expect(server.output()).toContain('Press Ctrl+C');
            }
            const script = start('bash', ['-euo', 'pipefail', '-c', withPort(sample.code)], env);
            const code = await script.exited;
            server?.child.kill();
            expect(code, script.output()).toBe(0);
            expect(script.output()).toContain('"access_token"');
          },
          60_000,
        );
        break;
      }
      case 'first-login-app': {
        const emulatorSample = samples
          .slice(0, samples.indexOf(sample))
          .reverse()
          .find((s) => s.file === sample.file && mode(s) === 'first-login-emulator');
        it(
          title,
          async () => {
            expect(emulatorSample, 'a first-login-emulator sample comes before it').toBeDefined();
            if (emulatorSample !== undefined) await firstLogin(emulatorSample, sample);
          },
          60_000,
        );
        break;
      }
      default:
        // skip (with its reason), shell-background and first-login-emulator (run by the shell
        // block after them), nest (run by test/frameworks/nest.matrix.ts), outputs.
        break;
    }
  }
});

/**
 * The TypeScript quick start of docs/quick-start.md, as a newcomer follows it: a fresh project
 * whose dependencies are exactly the page's install lines (the strategy from its packed tarball,
 * TypeScript at the version under test, every other package at this repository's locked
 * version), the page's tsconfig.json and app.ts, then the page's run command, and a login
 * through the app against a headless emulator. TypeScript 7 is what `npm install typescript`
 * installs today; 4.9 is the oldest the package supports.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'salesforce-oauth-emulator';
import { freePort } from '../helpers/ports.js';
import { installSite, packTarball, root, versionOf } from '../helpers/scratch.js';

const TYPESCRIPTS = ['7.0.2', '4.9.5'];

/** The TypeScript section's blocks, in order: install lines, tsconfig.json, app.ts, run command. */
function quickStart(): { packages: string[]; tsconfig: string; app: string; run: string } {
  const page = readFileSync(join(root, 'docs', 'quick-start.md'), 'utf8');
  const section = page.slice(page.indexOf('\n## TypeScript\n'));
  const blocks = [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map(([, lang = '', code = '']) => ({ lang, code }));
  const [install, tsconfig, app, run] = blocks;
  expect(blocks.map((block) => block.lang)).toEqual(['sh', 'json', 'ts', 'sh']);
  const packages = (install?.code ?? '')
    .split('\n')
    .filter((line) => line.startsWith('npm install'))
    .flatMap((line) => line.split(/\s+/).slice(2))
    .filter((word) => !word.startsWith('-'));
  return { packages, tsconfig: tsconfig?.code ?? '', app: app?.code ?? '', run: (run?.code ?? '').trim() };
}

let scratch = '';
let tarball = '';
let emulator: RunningEmulator;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-ts-quick-start-'));
  tarball = await packTarball(scratch);
  emulator = await startEmulator({ users: [{ username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' }] });
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the TypeScript quick start, as written', () => {
  for (const typescript of TYPESCRIPTS) {
    it(`installs, compiles and logs in on TypeScript ${typescript}`, async () => {
      const { packages, tsconfig, app, run } = quickStart();
      expect(packages).toContain('typescript');
      const dir = join(scratch, `typescript-${typescript}`);
      await installSite(
        dir,
        Object.fromEntries(
          packages.map((name) => [
            name,
            name === 'passport-salesforce-pkce' ? `file:${tarball}` : name === 'typescript' ? typescript : versionOf(name),
          ]),
        ),
      );
      // What `npm init -y` writes, which the page's tsconfig.json relies on.
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'package.json'), JSON.stringify({ ...manifest, type: 'commonjs' }));
      await writeFile(join(dir, 'tsconfig.json'), tsconfig);
      await writeFile(join(dir, 'app.ts'), app);

      const port = await freePort();
      const appUrl = `http://localhost:${port}`;
      emulator.addApp({ clientId: `ts-${typescript}`, clientSecret: 'ts-secret', redirectUris: [`${appUrl}/auth/salesforce/callback`] });
      const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SF_')));
      const child = spawn('bash', ['-c', run], {
        cwd: dir,
        env: {
          ...inherited,
          SF_CLIENT_ID: `ts-${typescript}`,
          SF_CLIENT_SECRET: 'ts-secret',
          SF_LOGIN_URL: emulator.url,
          SESSION_SECRET: 'quick-start',
          PORT: String(port),
        },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        let started = false;
        for (let attempt = 0; attempt < 600 && !started && child.exitCode === null; attempt++) {
          started = await fetch(appUrl).then(
            () => true,
            () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100)),
          );
        }
        expect(started, `the app never answered:\n${output}`).toBe(true);

        const login = await fetch(`${appUrl}/auth/salesforce`, { redirect: 'manual' });
        const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
        const authorize = await fetch(login.headers.get('location') ?? '', { redirect: 'manual' });
        const callback = await fetch(authorize.headers.get('location') ?? '', { redirect: 'manual', headers: { cookie } });
        expect(callback.status, await callback.clone().text()).toBe(302);
        const session = (callback.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
        const home = await fetch(appUrl, { headers: { cookie: session } });
        expect(await home.text()).toBe('Logged in as Ada Lovelace');
        expect(output).toBe('');
      } finally {
        child.kill();
      }
    }, 240_000);
  }
});

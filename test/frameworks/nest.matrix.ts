import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from 'salesforce-oauth-emulator';
import { Browser } from '../helpers/browser.js';
import { freePort } from '../helpers/ports.js';
import { installSite, packTarball, root, run, versionOf } from '../helpers/scratch.js';
import { describeLogins, type StartApp } from './harness.js';

/**
 * NestJS 10 and 11 with @nestjs/passport, each in a scratch site that installs the packed
 * strategy beside that NestJS major, compiles nest/app.ts with `tsc --strict` (decorators and
 * their metadata on, as Nest's starter has them) and runs it on Nest's Express and Fastify adapters; and the
 * NestJS app of docs/frameworks.md (its `<!-- sample: nest -->` block), compiled and run the same way.
 */

/** The docs' NestJS app: the block under `<!-- sample: nest -->` in docs/frameworks.md. */
function docsApp(): string {
  const markdown = readFileSync(join(root, 'docs', 'frameworks.md'), 'utf8');
  const block = /^<!-- sample: nest -->\n```ts\n([\s\S]*?)^```$/m.exec(markdown)?.[1];
  if (block === undefined) throw new Error('docs/frameworks.md has no NestJS app');
  return block;
}

// Each major with the Express types and the Fastify session plugins of its adapters' majors
// (Express 4 and Fastify 4 for NestJS 10, Express 5 and Fastify 5 for NestJS 11).
const NEST_MAJORS = {
  10: { nest: '^10.4.0', passport: '^10.0.3', typesExpress: '^4.17.21', fastifyCookie: '^9.4.0', fastifySession: '^10.8.0' },
  11: { nest: '^11.1.0', passport: '^11.0.5', typesExpress: '^5.0.0', fastifyCookie: '^11.0.0', fastifySession: '^11.1.0' },
} as const;
type NestMajor = keyof typeof NEST_MAJORS;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    esModuleInterop: true,
    skipLibCheck: true,
    outDir: 'dist',
    types: ['node'],
  },
  files: ['app.ts', 'docs-app.ts'],
};

interface NestSite {
  dir: string;
  /** What `tsc` printed: empty when the app compiled. */
  compileOutput: string;
  start: (options: Parameters<StartApp>[0] & { form: 'profile' | 'params'; adapter: 'express' | 'fastify' }) => ReturnType<StartApp>;
}

let scratch = '';
const sites = new Map<NestMajor, NestSite>();

async function installNestSite(major: NestMajor, tarball: string): Promise<NestSite> {
  const dir = join(scratch, `nest${major}`);
  const versions = NEST_MAJORS[major];
  await installSite(dir, {
    'passport-salesforce-pkce': `file:${tarball}`,
    '@nestjs/common': versions.nest,
    '@nestjs/core': versions.nest,
    '@nestjs/platform-express': versions.nest,
    '@nestjs/platform-fastify': versions.nest,
    '@fastify/cookie': versions.fastifyCookie,
    '@fastify/session': versions.fastifySession,
    '@nestjs/passport': versions.passport,
    'reflect-metadata': '^0.2.2',
    rxjs: '^7.8.1',
    passport: versionOf('passport'),
    'express-session': versionOf('express-session'),
    '@types/express': versions.typesExpress,
    '@types/express-session': versionOf('@types/express-session'),
    '@types/passport-oauth2': versionOf('@types/passport-oauth2'),
    '@types/node': versionOf('@types/node'),
  });
  await copyFile(fileURLToPath(new URL('./nest/app.ts', import.meta.url)), join(dir, 'app.ts'));
  await writeFile(join(dir, 'docs-app.ts'), docsApp());
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const compileOutput = await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).then(
    ({ stdout }) => stdout,
    (error: { stdout: string }) => error.stdout,
  );
  const app = createRequire(join(dir, 'package.json'))('./dist/app.js') as { startNestApp: NestSite['start'] };
  return { dir, compileOutput, start: app.startNestApp };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-nest-'));
  const tarball = await packTarball(scratch);
  // One install at a time: two cores, and npm is busy enough with one.
  for (const major of [10, 11] as const) sites.set(major, await installNestSite(major, tarball));
}, 300_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function site(major: NestMajor): NestSite {
  const installed = sites.get(major);
  if (!installed) throw new Error(`NestJS ${major} is not installed`);
  return installed;
}

for (const major of [10, 11] as const) {
  describe(`NestJS ${major}`, () => {
    it("compiles the test app's two strategy classes and the docs' app under tsc --strict", () => {
      expect(site(major).compileOutput).toBe('');
    });

    it("logs in through the docs' app", async () => {
      const port = await freePort();
      const appUrl = `http://127.0.0.1:${port}`;
      const emulator = await startEmulator({
        apps: [{ clientId: 'docs-app', clientSecret: 'docs-secret', redirectUris: [`${appUrl}/auth/salesforce/callback`] }],
      });
      const env = {
        ...process.env,
        SF_CLIENT_ID: 'docs-app',
        SF_CLIENT_SECRET: 'docs-secret',
        SF_LOGIN_URL: emulator.url,
        SESSION_SECRET: 'docs',
      };
      const child = spawn(process.execPath, ['dist/docs-app.js'], { cwd: site(major).dir, env: { ...env, PORT: String(port) } });
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        const browser = new Browser(appUrl);
        for (let attempt = 0; ; attempt += 1) {
          const started = await fetch(appUrl).then(
            () => true,
            () => false,
          );
          if (started) break;
          if (attempt === 150 || child.exitCode !== null) throw new Error(`the docs' app did not start: ${output}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const callback = await browser.login('/auth/salesforce');
        expect([callback.status, callback.headers.location]).toEqual([302, '/']);
        expect((await browser.agent.get('/')).text).toBe('Logged in as Ada Lovelace');
      } finally {
        child.kill();
        await emulator.close();
      }
    });
  });
  for (const adapter of ['express', 'fastify'] as const) {
    const on = adapter === 'express' ? 'Express' : 'Fastify';
    describeLogins(
      `NestJS ${major} on ${on}, validate(accessToken, refreshToken, profile)`,
      (options) => site(major).start({ ...options, form: 'profile', adapter }),
      false,
    );
    describeLogins(
      `NestJS ${major} on ${on}, validate(accessToken, refreshToken, params, profile)`,
      (options) => site(major).start({ ...options, form: 'params', adapter }),
      true,
    );
  }
}

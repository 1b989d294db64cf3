import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSite, packTarball, root, run, versionOf } from '../helpers/scratch.js';
import { describeLogins, type StartApp } from './harness.js';

/**
 * NestJS 10 and 11 with @nestjs/passport, each in a scratch site that installs the packed
 * strategy beside that NestJS major, compiles nest/app.ts with `tsc --strict` (decorators and
 * their metadata on, as Nest's starter has them) and runs it on Nest's Express adapter.
 */

const NEST_MAJORS = {
  10: { nest: '^10.4.0', passport: '^10.0.3', typesExpress: '^4.17.21' },
  11: { nest: '^11.1.0', passport: '^11.0.5', typesExpress: '^5.0.0' },
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
  files: ['app.ts'],
};

interface NestSite {
  /** What `tsc` printed: empty when the app compiled. */
  compileOutput: string;
  start: (options: Parameters<StartApp>[0] & { form: 'profile' | 'params' }) => ReturnType<StartApp>;
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
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const compileOutput = await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).then(
    ({ stdout }) => stdout,
    (error: { stdout: string }) => error.stdout,
  );
  const app = createRequire(join(dir, 'package.json'))('./dist/app.js') as { startNestApp: NestSite['start'] };
  return { compileOutput, start: app.startNestApp };
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
    it('compiles both strategy classes and the app under tsc --strict', () => {
      expect(site(major).compileOutput).toBe('');
    });
  });
  describeLogins(
    `NestJS ${major} on Express, validate(accessToken, refreshToken, profile)`,
    (options) => site(major).start({ ...options, form: 'profile' }),
    false,
  );
  describeLogins(
    `NestJS ${major} on Express, validate(accessToken, refreshToken, params, profile)`,
    (options) => site(major).start({ ...options, form: 'params' }),
    true,
  );
}

/**
 * The type matrix (`npm run test:types`): the packed tarball installed, as npm installs it, into
 * a TypeScript site with @types/express 4 or 5 (and @types/passport, @types/passport-oauth2,
 * @types/node from this repository's lockfile), then consumer.mts (ESM) and consumer.cts
 * (CommonJS), and emulator-consumer.mts with the emulator's tarball, compiled under `strict` by:
 *
 *   TypeScript 4.9.5, 5.0.4, this repository's 6.0 and 7.0
 *   × node10 (module commonjs without esModuleInterop, and module es2020 with it), node16,
 *     nodenext, bundler
 *
 * `bundler` resolution exists from TypeScript 5.0, so 4.9 has no bundler cell. TypeScript 6.0
 * deprecates node10 resolution and `esModuleInterop: false`: its node10 cells set
 * `ignoreDeprecations: "6.0"`, as such a site must; TypeScript 7.0 removed both, so it has no
 * node10 cell.
 *
 * The node10 CommonJS and nodenext cells also check every .d.ts file (`skipLibCheck: false`), the
 * package's own included, under each TypeScript: without esModuleInterop, a default import of a
 * Node.js built-in in a shipped .d.ts is an error there (TS1192). The others skip that (three times
 * faster) and check what the site's own code sees.
 *
 * A third site has the oldest @types/node this package supports (OLDEST_TYPES_NODE, the oldest
 * 18.x whose own declarations pass TypeScript 6's lib check), compiled in the nodenext cells.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSite, packTarball, run, versionOf } from '../helpers/scratch.js';

const require = createRequire(import.meta.url);
const consumers = fileURLToPath(new URL('./', import.meta.url));

/** The older TypeScripts are installed into the scratch directory (as devDependencies their `tsc` bins would clash with the repository's). */
const TYPESCRIPTS = [
  { version: '4.9', install: '4.9.5' },
  { version: '5.0', install: '5.0.4' },
  { version: '6.0', install: undefined },
  { version: '7.0', install: '7.0.2' },
] as const;

/** The oldest @types/node the README promises; older 18.x releases fail TypeScript 5.7+'s check of their own Buffer type. */
const OLDEST_TYPES_NODE = '18.19.52';

interface Layout {
  name: string;
  compilerOptions: Record<string, unknown>;
  /** Whether every .d.ts file is checked too (`skipLibCheck: false`). */
  libCheck: boolean;
  /** Consumer file → the name it gets in the cell (its extension decides CJS or ESM under node16/nodenext). */
  files: Record<string, string>;
  since?: string;
  /** The last TypeScript that still has this layout's options. */
  until?: string;
}

const LAYOUTS: Layout[] = [
  {
    name: 'node10, CommonJS',
    compilerOptions: { module: 'commonjs', moduleResolution: 'node', esModuleInterop: false, allowSyntheticDefaultImports: false },
    libCheck: true,
    until: '6.0',
    files: { 'consumer.cts': 'consumer.ts', 'emulator-consumer.mts': 'emulator-consumer.ts' },
  },
  {
    name: 'node10, ESM',
    compilerOptions: { module: 'es2020', moduleResolution: 'node', esModuleInterop: true },
    libCheck: false,
    until: '6.0',
    files: { 'consumer.mts': 'consumer.ts', 'emulator-consumer.mts': 'emulator-consumer.ts' },
  },
  {
    name: 'node16, ESM and CommonJS',
    compilerOptions: { module: 'node16', moduleResolution: 'node16' },
    libCheck: false,
    files: { 'consumer.mts': 'consumer.mts', 'consumer.cts': 'consumer.cts', 'emulator-consumer.mts': 'emulator-consumer.mts' },
  },
  {
    name: 'nodenext, ESM and CommonJS',
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    libCheck: true,
    files: { 'consumer.mts': 'consumer.mts', 'consumer.cts': 'consumer.cts', 'emulator-consumer.mts': 'emulator-consumer.mts' },
  },
  {
    name: 'bundler, ESM',
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler', esModuleInterop: true },
    libCheck: false,
    files: { 'consumer.mts': 'consumer.ts', 'emulator-consumer.mts': 'emulator-consumer.ts' },
    since: '5.0',
  },
];

/** The sites: @types/express 4 and 5 with the lockfile's @types/node, and @types/express 5 with the oldest @types/node. */
const SITES = [
  { name: 'express4', express: versionOf('@types/express4'), node: versionOf('@types/node'), layouts: undefined },
  { name: 'express5', express: versionOf('@types/express'), node: versionOf('@types/node'), layouts: undefined },
  { name: 'oldest-node', express: versionOf('@types/express'), node: OLDEST_TYPES_NODE, layouts: ['nodenext, ESM and CommonJS'] },
] as const;

let scratch = '';
const sites: Record<string, string> = {};
const compilers: Record<string, string> = {};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-types-'));
  const tarball = await packTarball(scratch);
  const emulatorTarball = await packTarball(scratch, 'salesforce-oauth-emulator');
  const typescripts = join(scratch, 'typescripts');
  for (const { version, install } of TYPESCRIPTS) {
    compilers[version] =
      install === undefined
        ? require.resolve('typescript/bin/tsc')
        : join(typescripts, 'node_modules', `typescript${version}`, 'bin', 'tsc');
  }
  await Promise.all([
    installSite(
      typescripts,
      Object.fromEntries(
        TYPESCRIPTS.flatMap(({ version, install }) =>
          install === undefined ? [] : [[`typescript${version}`, `npm:typescript@${install}`]],
        ),
      ),
    ),
    ...SITES.map(async (site) => {
      sites[site.name] = join(scratch, `${site.name}-site`);
      await installSite(sites[site.name] ?? '', {
        'passport-salesforce-pkce': `file:${tarball}`,
        'salesforce-oauth-emulator': `file:${emulatorTarball}`,
        '@types/express': site.express,
        '@types/passport': versionOf('@types/passport'),
        '@types/passport-oauth2': versionOf('@types/passport-oauth2'),
        '@types/node': site.node,
      });
    }),
  ]);
}, 240_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Compiles the consumers in a fresh directory of the site; resolves to tsc's exit code and output. */
async function compile(
  site: string,
  cell: string,
  tsc: string,
  layout: Layout,
  typescript: string,
): Promise<{ code: number; output: string }> {
  const dir = join(site, cell);
  await mkdir(dir);
  for (const [from, to] of Object.entries(layout.files)) await copyFile(join(consumers, from), join(dir, to));
  const compilerOptions = {
    ...layout.compilerOptions,
    ...(typescript === '6.0' && layout.compilerOptions.moduleResolution === 'node' ? { ignoreDeprecations: '6.0' } : {}),
    target: 'es2022',
    lib: ['es2022'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: !layout.libCheck,
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: Object.values(layout.files) }));
  return run(process.execPath, [tsc, '-p', dir]).then(
    () => ({ code: 0, output: '' }),
    (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
  );
}

describe.concurrent('the public types in a TypeScript site', () => {
  for (const site of SITES) {
    for (const { version: typescript } of TYPESCRIPTS) {
      for (const layout of LAYOUTS) {
        if (layout.since !== undefined && Number(typescript) < Number(layout.since)) continue;
        if (layout.until !== undefined && Number(typescript) > Number(layout.until)) continue;
        if (site.layouts !== undefined && !(site.layouts as readonly string[]).includes(layout.name)) continue;
        const cell = `ts${typescript}-${layout.name.replace(/\W+/g, '-')}`;
        it(`@types/express ${site.express}, @types/node ${site.node}, TypeScript ${typescript}, ${layout.name}`, async () => {
          expect(await compile(sites[site.name] ?? '', cell, compilers[typescript] ?? '', layout, typescript)).toEqual({
            code: 0,
            output: '',
          });
        }, 120_000);
      }
    }
  }
});

/**
 * scripts/build.mjs, which `npm start`, `npm test` and the benchmark run first: it builds only
 * what is stale, and says what it builds before the build's silent half minute.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuilt, isStale } from '../scripts/build.mjs';

let scratch = '';

afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A package directory whose dist/ was built at `built` and whose src/ changed at `changed` (seconds). */
function packageDir(name: string, built: number, changed: number): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name }));
  for (const [sub, time] of [
    ['dist', built],
    ['src', changed],
  ] as const) {
    mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, sub, 'index.js'), '');
    utimesSync(join(dir, sub, 'index.js'), time, time);
  }
  return dir;
}

describe('scripts/build.mjs', () => {
  it('announces each stale package before building it, and builds nothing fresh', () => {
    scratch = mkdtempSync(join(tmpdir(), 'passport-salesforce-pkce-build-'));
    const stale = packageDir('stale', 1_000, 2_000);
    const fresh = packageDir('fresh', 2_000, 1_000);
    const events: string[] = [];
    const built = ensureBuilt({
      packages: [stale, fresh],
      announce: (line) => events.push(`announce: ${line}`),
      build: (dir) => events.push(`build: ${dir}`),
      lists: join(scratch, 'lists'),
    });
    expect(built).toBe(true);
    expect(events).toEqual([
      'announce: Building stale with tshy (its dist/ is missing or behind its src/), which takes a moment…',
      `build: ${stale}`,
    ]);
  });

  it('builds again once a source is removed or renamed, which changes no file time', () => {
    scratch = mkdtempSync(join(tmpdir(), 'passport-salesforce-pkce-build-'));
    const dir = packageDir('renamed', 2_000, 1_000);
    writeFileSync(join(dir, 'src', 'old-name.js'), '');
    utimesSync(join(dir, 'src', 'old-name.js'), 1_000, 1_000);
    const builds: string[] = [];
    const options = { packages: [dir], build: (built: string) => builds.push(built), lists: join(scratch, 'lists') };
    expect(ensureBuilt(options)).toBe(false);
    expect(isStale(dir, { lists: options.lists })).toBe(false);
    rmSync(join(dir, 'src', 'old-name.js'));
    expect(isStale(dir, { lists: options.lists })).toBe(true);
    expect(ensureBuilt(options)).toBe(true);
    expect([builds, isStale(dir, { lists: options.lists })]).toEqual([[dir], false]);
  });

  it('is silent, and builds nothing, when every dist/ is up to date', () => {
    scratch = mkdtempSync(join(tmpdir(), 'passport-salesforce-pkce-build-'));
    const events: string[] = [];
    const built = ensureBuilt({
      packages: [packageDir('fresh', 2_000, 1_000)],
      announce: (line) => events.push(line),
      build: (dir) => events.push(dir),
      lists: join(scratch, 'lists'),
    });
    expect([built, events]).toEqual([false, []]);
  });
});

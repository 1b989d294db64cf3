/**
 * The READMEs as npm shows them: each package's README is packed as `npm pack` publishes it, and
 * every link in it must lead somewhere from the package page and from the unpacked tarball. A
 * relative link must name a file inside the tarball; anything else must be an absolute https URL,
 * and one into this repository must name a file (and heading) that exists in it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchors, links, REPOSITORY_URL, repositoryTarget } from '../helpers/markdown.js';
import { packTarball, root, run } from '../helpers/scratch.js';

const PACKAGES = [
  { name: 'passport-salesforce-pkce', workspace: undefined, directory: undefined },
  { name: 'salesforce-oauth-emulator', workspace: 'salesforce-oauth-emulator', directory: 'packages/salesforce-oauth-emulator' },
] as const;

let scratch = '';
/** Each package's unpacked tarball (its `package/` directory), by package name. */
const unpacked = new Map<string, string>();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'passport-salesforce-pkce-readme-'));
  for (const { name, workspace } of PACKAGES) {
    const dir = join(scratch, name);
    const tarball = await packTarball(scratch, workspace);
    await run('mkdir', ['-p', dir]);
    await run('tar', ['-xzf', tarball, '-C', dir]);
    unpacked.set(name, join(dir, 'package'));
  }
}, 120_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** What is wrong with one link of a packed README, or `undefined` when it resolves. */
function brokenLink(packageDir: string, target: string): string | undefined {
  const inRepository = repositoryTarget(target);
  if (inRepository !== undefined) {
    if (!existsSync(join(root, inRepository.path))) return `no file ${inRepository.path} in the repository`;
    if (inRepository.anchor !== undefined && !anchors(readFileSync(join(root, inRepository.path), 'utf8')).has(inRepository.anchor))
      return `no heading #${inRepository.anchor} in ${inRepository.path}`;
    return undefined;
  }
  if (target.startsWith(REPOSITORY_URL)) {
    // The repository's own pages: its front page and its issues.
    return ['', '#readme', '/issues'].includes(target.slice(REPOSITORY_URL.length)) ? undefined : 'not a file on the main branch';
  }
  if (/^[a-z]+:/i.test(target)) return target.startsWith('https://') ? undefined : 'not an https URL';
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? 'README.md' : normalize(path);
  if (file.startsWith('..') || !existsSync(join(packageDir, file))) return `no file ${file} in the tarball`;
  if (anchor !== undefined && !anchors(readFileSync(join(packageDir, file), 'utf8')).has(anchor)) return `no heading #${anchor} in ${file}`;
  return undefined;
}

describe('the packed READMEs', () => {
  for (const { name, directory } of PACKAGES) {
    it(`${name}: every link resolves on the package page and inside the tarball`, () => {
      const packageDir = unpacked.get(name) ?? '';
      const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
      const targets = links(readme);
      expect(targets.length).toBeGreaterThan(0);
      const broken = targets.flatMap((target) => {
        const problem = brokenLink(packageDir, target);
        return problem === undefined ? [] : [`${target}: ${problem}`];
      });
      expect(broken).toEqual([]);
    });

    it(`${name}: package.json names the repository, its home page and where to report bugs`, () => {
      const manifest = JSON.parse(readFileSync(join(unpacked.get(name) ?? '', 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest['repository']).toEqual({
        type: 'git',
        url: `git+${REPOSITORY_URL}.git`,
        ...(directory === undefined ? {} : { directory }),
      });
      expect(manifest['bugs']).toEqual({ url: `${REPOSITORY_URL}/issues` });
      expect(manifest['homepage']).toBe(
        directory === undefined ? `${REPOSITORY_URL}#readme` : `${REPOSITORY_URL}/tree/main/${directory}#readme`,
      );
    });
  }
});

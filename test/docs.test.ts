/**
 * The documentation's shape: README.md stays the short front door and reaches every page of
 * docs/, every relative link and anchor in the manual leads somewhere, and docs/errors.md names
 * every error class the package exports with its `code`. (test/readme.test.ts runs the samples.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { anchors, links, repositoryTarget } from './helpers/markdown.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS_PAGES = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
/** The Markdown a user reads: the front door, the manual, the security policy and the emulator's README. */
const DOCUMENTS = ['README.md', ...DOCS_PAGES, 'SECURITY.md', 'packages/salesforce-oauth-emulator/README.md'];

function read(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8');
}

/** The files of this repository a document links to: relative links, and absolute links into the repository. */
function localLinks(document: string): Array<{ target: string; file: string; anchor: string | undefined }> {
  return links(read(document)).flatMap((target) => {
    const inRepository = repositoryTarget(target);
    if (inRepository !== undefined) return [{ target, file: inRepository.path, anchor: inRepository.anchor }];
    if (/^[a-z]+:/i.test(target)) return [];
    const [path = '', anchor] = target.split('#');
    return [{ target, file: path === '' ? document : normalize(join(dirname(document), path)), anchor }];
  });
}

describe('documentation', () => {
  it('keeps README.md to at most 300 lines', () => {
    expect(read('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(300);
  });

  it('links every page of docs/ from README.md and from docs/README.md', () => {
    const fromReadme = new Set(localLinks('README.md').map((link) => link.file));
    expect(DOCS_PAGES.filter((page) => !fromReadme.has(page))).toEqual([]);
    const fromIndex = new Set(localLinks('docs/README.md').map((link) => link.file));
    expect(DOCS_PAGES.filter((page) => page !== 'docs/README.md' && !fromIndex.has(page))).toEqual([]);
  });

  it('has no link to a missing file or heading of the repository', () => {
    const broken: string[] = [];
    for (const document of DOCUMENTS) {
      for (const { target, file, anchor } of localLinks(document)) {
        if (!existsSync(join(ROOT, file))) broken.push(`${document}: ${target} (no file ${file})`);
        else if (anchor !== undefined && !anchors(read(file)).has(anchor))
          broken.push(`${document}: ${target} (no heading #${anchor} in ${file})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('gives each symptom in docs/troubleshooting.md a section of its own, not a row of a wide table', () => {
    const page = read('docs/troubleshooting.md');
    expect(page).not.toMatch(/^\|/m);
    const sections = page.split(/^### /m).slice(1);
    expect(sections.length).toBeGreaterThanOrEqual(18);
    const incomplete = sections.filter((section) => !/\*\*Why:\*\*/.test(section) || !/\*\*Fix:\*\*/.test(section));
    expect(incomplete.map((section) => section.split('\n')[0])).toEqual([]);
    expect(page.split('\n').filter((line) => line.length > 110 && !line.startsWith('#'))).toEqual([]);
  });

  it('names every exported error class with its code in docs/errors.md', () => {
    const rows = read('docs/errors.md').split('\n');
    // Each class's code as its source states it: `super('CODE', …)` or `code = 'CODE'`.
    const source = read('src/errors.ts');
    const codeOf = (name: string): string | undefined => {
      const body = source.split(`export class ${name} `)[1]?.split('\nexport ')[0] ?? '';
      return /(?:super\(|code = )'([A-Z_]+)'/.exec(body)?.[1];
    };
    const classes = Object.entries(api)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .map(([name]) => name);
    expect(classes).toContain('SalesforceOAuthError');
    const missing = classes.filter((name) => {
      const code = codeOf(name);
      return !rows.some((row) => row.includes(`\`${name}\``) && (code === undefined || row.includes(`\`${code}\``)));
    });
    expect(missing).toEqual([]);
  });
});

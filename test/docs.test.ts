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

/** The text outside fenced blocks: links and headings in code are not links and headings. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, title] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (title ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replaceAll(' ', '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** The relative link targets of a Markdown file (`[text](target)`), without web URLs. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '').filter((target) => !/^[a-z]+:/i.test(target));
}

describe('documentation', () => {
  it('keeps README.md to at most 300 lines', () => {
    expect(read('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(300);
  });

  it('links every page of docs/ from README.md and from docs/README.md', () => {
    const fromReadme = new Set(relativeLinks(read('README.md')).map((target) => target.split('#')[0]));
    expect(DOCS_PAGES.filter((page) => !fromReadme.has(page))).toEqual([]);
    const fromIndex = new Set(relativeLinks(read('docs/README.md')).map((target) => `docs/${target.split('#')[0] ?? ''}`));
    expect(DOCS_PAGES.filter((page) => page !== 'docs/README.md' && !fromIndex.has(page))).toEqual([]);
  });

  it('has no relative link to a missing file or heading', () => {
    const broken: string[] = [];
    for (const document of DOCUMENTS) {
      for (const target of relativeLinks(read(document))) {
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? document : normalize(join(dirname(document), path));
        if (!existsSync(join(ROOT, file))) broken.push(`${document}: ${target} (no file ${file})`);
        else if (anchor !== undefined && !anchors(read(file)).has(anchor))
          broken.push(`${document}: ${target} (no heading #${anchor} in ${file})`);
      }
    }
    expect(broken).toEqual([]);
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

/**
 * docs/security.md states only what tests show: every test file its duty tables cite exists, so a
 * renamed or removed test cannot leave a duty claimed on nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('docs/security.md', () => {
  it('cites only test files that exist', () => {
    const text = readFileSync(join(ROOT, 'docs/security.md'), 'utf8');
    const cited = [
      ...new Set([...text.matchAll(/`((?:test|packages\/[\w-]+\/test)\/[\w./-]+\.(?:test|redis)\.ts)`/g)].map((match) => match[1] ?? '')),
    ];
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter((file) => !existsSync(join(ROOT, file)))).toEqual([]);
  });
});

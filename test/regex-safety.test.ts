/**
 * No regex of the strategy takes more than linear time, whatever the request sends: src/ is
 * linted with eslint-plugin-regexp's super-linear rules (as `npm run lint` does), which find
 * quadratic and exponential backtracking, such as `/\/+$/` on many slashes followed by another
 * character.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RULES = ['regexp/no-super-linear-backtracking', 'regexp/no-super-linear-move'];

describe('regexes of src/', () => {
  const eslint = new ESLint({ cwd: ROOT });

  it('are held to the super-linear rules, everywhere in src/', async () => {
    const config = (await eslint.calculateConfigForFile('src/endpoints.ts')) as { rules: Record<string, unknown> };
    for (const rule of RULES) expect(config.rules[rule], rule).toEqual(expect.arrayContaining([2]));
  });

  it('never backtrack: no super-linear match on any input', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const findings = results.flatMap((result) =>
      result.messages
        .filter((message) => RULES.includes(message.ruleId ?? ''))
        .map((message) => `${result.filePath.slice(ROOT.length)}:${message.line} ${message.message}`),
    );
    expect(findings).toEqual([]);
  }, 60_000);
});

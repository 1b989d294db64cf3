import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the public types', () => {
  it('compile in strict ESM and CommonJS consumers, and reject misuse', async () => {
    // consumer.mts holds @ts-expect-error lines: a misuse the types stopped catching fails this too.
    const result = await run('npx', ['tsc', '-p', 'test/types/tsconfig.json'], { cwd: root }).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    expect(result).toEqual({ code: 0, output: '' });
  }, 60_000);
});

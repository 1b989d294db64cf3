/** The strategies' own code on a login start, in a process of its own (see bench/micro.mjs). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { log } from '../lib/harness.mjs';

export function micro(benchDir, settings) {
  log("micro: the strategies' own code on a login start, in a loop");
  const output = execFileSync(
    process.execPath,
    [join(benchDir, 'micro.mjs'), String(settings.microIterations), String(settings.microTrials)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(output.trim().split('\n').at(-1));
}

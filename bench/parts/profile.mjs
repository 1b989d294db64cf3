/**
 * Where each contender's app spends its CPU: for every contender of the redirect leg and of the
 * full login, a fresh app with its warm-up, then one window under the same load as the
 * comparison with V8's sampling profiler on (which slows the app a little, so these windows
 * give the attribution, not the throughput). The profiles stay in bench/results/profiles/ for
 * Chrome DevTools or speedscope; the attribution (lib/profile.mjs) goes into the results.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../lib/harness.mjs';
import { attribute } from '../lib/profile.mjs';
import { LEGS } from './compare.mjs';

/** What the window served, per leg: login starts, or finished logins (each with its start). */
const UNITS = { redirect: (served) => served.starts, login: (served) => served.callbacks };

export async function profiles(harness) {
  const { settings, profileDir } = harness;
  mkdirSync(profileDir, { recursive: true });
  const results = {};
  for (const [leg, { contenders, run, users }] of Object.entries(LEGS)) {
    results[leg] = {};
    for (const contender of contenders) {
      const app = await harness.startApp(contender);
      await run(app, settings.warmupSeconds, users(settings));
      await app.call('reset');
      await app.call('profileStart');
      await run(app, settings.seconds, users(settings));
      const path = join(profileDir, `${leg}-${contender}.cpuprofile`);
      const served = await app.call('profileStop', { path });
      await harness.retire(contender, app);
      results[leg][contender] = attribute(JSON.parse(readFileSync(path, 'utf8')), UNITS[leg](served), served.cpuMicros);
      log(
        `profile ${leg} ${contender}: ${results[leg][contender].cpuMicrosPerUnit.toFixed(0)} µs of CPU per ${leg === 'login' ? 'login' : 'start'}`,
      );
    }
  }
  return results;
}

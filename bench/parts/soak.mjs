/**
 * RSS over a soak of mixed logins, refreshes and abandoned logins (see load/soak.mjs) through
 * one app process of this strategy, with a session cookie maxAge of 60 s (the MemoryStore forgets
 * expired sessions every 5 s). The app's memory is sampled every `soakSampleSeconds`, and every
 * sixth sample also after a forced GC (the heap that is really held).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { runSoak } from '../load/soak.mjs';
import { log } from '../lib/harness.mjs';

export async function soak(harness) {
  const { settings } = harness;
  const app = await harness.startApp('strategy', { refresh: true, sessionMaxAge: 60_000 });
  const counts = {};
  const began = performance.now();
  const window = harness.backgroundWindow();
  const load = runSoak({ appUrl: app.info.url, browsers: settings.soakBrowsers, duration: settings.soakMinutes * 60, counts });
  let finished = false;
  load.finally(() => {
    finished = true;
  });
  const samples = [];
  const sample = async (gc) => {
    const memory = await app.call('memory', { gc });
    const done = Object.fromEntries(Object.entries(counts).map(([action, c]) => [action, c.done]));
    const failed = Object.values(counts).reduce((n, c) => n + c.failed, 0);
    samples.push({
      seconds: (performance.now() - began) / 1000,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      gc,
      sessions: memory.sessions,
      keyCache: await app.call('keyCache'),
      done,
      failed,
    });
  };
  await sample(false);
  for (let i = 1; !finished; i += 1) {
    await Promise.race([delay(settings.soakSampleSeconds * 1000), load]);
    if (!finished) await sample(i % 6 === 0);
  }
  const { failures } = await load;
  await sample(true);
  const backgroundCores = window.end();
  await harness.retire('strategy', app);
  const last = samples.at(-1);
  log(
    `soak: ${Object.entries(last.done)
      .map(([action, n]) => `${n} ${action}`)
      .join(', ')}, ${last.failed} failed; RSS ${(samples[0].rss / 2 ** 20).toFixed(0)} → ${(last.rss / 2 ** 20).toFixed(0)} MiB`,
  );
  return { minutes: settings.soakMinutes, browsers: settings.soakBrowsers, samples, failures, backgroundCores };
}

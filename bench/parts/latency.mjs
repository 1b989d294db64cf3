/**
 * Round trips on the callback: the emulator answers every call an app makes to it (token,
 * identity, UserInfo, keys, revoke) `settings.latencyMs` late, as a distant Salesforce would,
 * and one browser at a time logs in. The callback's time then counts the app's sequential
 * round trips to Salesforce: (callback ms − the same callback without the delay) ÷ the delay.
 *
 * Warm: the app has logged in before (its keys, if it fetches any, are cached). Cold: the
 * strategy's cached keys are made 10 minutes old before the login, so it fetches them again;
 * the other contenders fetch no keys on a login, so for them cold and warm are alike.
 */
import { browserAgents, login } from '../load/login.mjs';
import { log } from '../lib/harness.mjs';
import { median } from '../lib/stats.mjs';
import { LOGIN_CONTENDERS } from './compare.mjs';

async function callbackTimes(app, agents, logins, cold) {
  const times = [];
  for (let i = 0; i < logins; i += 1) {
    if (cold) await app.call('expireKeys');
    times.push(await login(app.info.url, agents));
  }
  return times;
}

export async function latency(harness) {
  const { settings, emulator } = harness;
  const delay = settings.latencyMs;
  const results = {};
  for (const contender of LOGIN_CONTENDERS) {
    const app = await harness.startApp(contender);
    const agents = browserAgents(1);
    try {
      await emulator.call('setDelay', { ms: 0 });
      await callbackTimes(app, agents, settings.latencyLogins, false); // warm-up
      const local = median(await callbackTimes(app, agents, settings.latencyLogins, false));
      await emulator.call('setDelay', { ms: delay });
      const warm = median(await callbackTimes(app, agents, settings.latencyLogins, false));
      const cold = median(await callbackTimes(app, agents, settings.latencyLogins, true));
      const roundTrips = (ms) => (ms - local) / delay;
      results[contender] = {
        localMs: local,
        warmMs: warm,
        coldMs: cold,
        warmRoundTrips: roundTrips(warm),
        coldRoundTrips: roundTrips(cold),
      };
      log(
        `latency ${contender}: callback ${warm.toFixed(0)} ms warm, ${cold.toFixed(0)} ms cold (${local.toFixed(1)} ms without the delay)`,
      );
    } finally {
      await emulator.call('setDelay', { ms: 0 });
      agents.destroy();
      await harness.retire(contender, app);
    }
  }
  return { delayMs: delay, logins: settings.latencyLogins, contenders: results };
}

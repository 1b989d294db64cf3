/**
 * Session bytes and login-start time against the logins pending in one session: `sessions`
 * browsers each open a session (one harmless value in it), then start logins in it one after
 * another without finishing any; at each level k every browser starts its k-th login, one
 * request at a time, timed by the browser. After each level the session store's JSON of every
 * session is measured (express-session's MemoryStore keeps exactly what a store would write).
 * The strategy keeps up to `maxPendingLogins` (10) per session, a new one replacing the oldest
 * beyond; the others keep one, overwritten by the next.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { get, sessionCookie } from '../load/login.mjs';
import { log } from '../lib/harness.mjs';
import { latencySummary, median } from '../lib/stats.mjs';
import { REDIRECT_CONTENDERS } from './compare.mjs';

/** The strategy's default `maxPendingLogins`. */
export const PENDING_CAP = 10;

async function openSessions(url, agent, count) {
  const cookies = [];
  for (let i = 0; i < count; i += 1) {
    const response = await get(`${url}/touch`, agent);
    cookies.push(sessionCookie(response.setCookie));
  }
  return cookies;
}

async function startLogins(url, agent, cookies) {
  const durations = [];
  for (const cookie of cookies) {
    const t0 = performance.now();
    const response = await get(`${url}/auth/salesforce`, agent, cookie);
    durations.push(performance.now() - t0);
    if (response.status !== 302) throw new Error(`a login start answered ${response.status}`);
  }
  return durations;
}

export async function pendingLogins(harness) {
  const { settings } = harness;
  const levels = PENDING_CAP + 2;
  const results = {};
  for (const contender of REDIRECT_CONTENDERS) {
    const app = await harness.startApp(contender);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { url } = app.info;
    // Warm-up on sessions of its own, thrown away with the store.
    const warm = await openSessions(url, agent, settings.pendingSessions);
    for (let level = 0; level < levels; level += 1) await startLogins(url, agent, warm);
    await app.call('reset');

    const cookies = await openSessions(url, agent, settings.pendingSessions);
    const points = [{ pending: 0, sessionBytes: median(await app.call('sessions')) }];
    for (let level = 1; level <= levels; level += 1) {
      const cpuBefore = await app.call('cpu');
      const durations = await startLogins(url, agent, cookies);
      const cpu = (await app.call('cpu')) - cpuBefore;
      const latency = latencySummary(durations);
      points.push({
        pending: level,
        sessionBytes: median(await app.call('sessions')),
        latency,
        appCpuMicrosPerStart: cpu / cookies.length,
      });
    }
    agent.destroy();
    await harness.retire(contender, app);
    results[contender] = points;
    log(
      `pending logins ${contender}: session bytes ${points.map((p) => p.sessionBytes).join(' ')}; p50 ms ${points
        .slice(1)
        .map((p) => p.latency.p50.toFixed(2))
        .join(' ')}`,
    );
  }
  return { cap: PENDING_CAP, sessions: settings.pendingSessions, contenders: results };
}

/**
 * A mixed load for the soak: `browsers` browsers that keep their session cookie, each doing,
 * one after another, a full login (40 %), a token refresh through the app (35 %; a login when
 * not logged in yet) or a login started and abandoned (25 %); before an action a browser is, 1 time
 * in 20, replaced by a new one (cookie dropped, its session left to expire). A browser whose
 * request fails with a network error starts over as a new one. Choices come from a seeded
 * generator, so two runs send the same mix.
 */
import { performance } from 'node:perf_hooks';
import { browserAgents, get, login, LoginError, sessionCookie } from './login.mjs';

const ACTIONS = ['login', 'refresh', 'abandon'];

function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function act(action, browser, appUrl, agents) {
  if (action === 'login' || (action === 'refresh' && !browser.loggedIn)) {
    browser.cookie = await login(appUrl, agents, { cookie: browser.cookie });
    browser.loggedIn = true;
    return 'login';
  }
  if (action === 'refresh') {
    const response = await get(`${appUrl}/refresh`, agents.app, browser.cookie);
    if (response.status !== 200) throw new LoginError(`refresh answered ${response.status}`);
    return 'refresh';
  }
  const response = await get(`${appUrl}/auth/salesforce`, agents.app, browser.cookie);
  if (response.status !== 302) throw new LoginError(`login start answered ${response.status}`);
  browser.cookie = sessionCookie(response.setCookie, browser.cookie);
  return 'abandon';
}

/** Runs the mix for `duration` seconds; `counts` (done and failed per action) is updated as it goes. */
export async function runSoak({ appUrl, browsers, duration, counts }) {
  const agents = browserAgents(browsers);
  const random = seededRandom(2026);
  for (const action of ACTIONS) counts[action] ??= { done: 0, failed: 0 };
  const deadline = performance.now() + duration * 1000;
  const failures = new Map();
  const browser = async () => {
    const state = { cookie: undefined, loggedIn: false };
    while (performance.now() < deadline) {
      if (random() < 0.05) Object.assign(state, { cookie: undefined, loggedIn: false });
      const r = random();
      const chosen = r < 0.4 ? 'login' : r < 0.75 ? 'refresh' : 'abandon';
      try {
        counts[await act(chosen, state, appUrl, agents)].done += 1;
      } catch (error) {
        counts[chosen].failed += 1;
        const message = `${chosen}: ${error instanceof Error ? error.message : String(error)}`;
        failures.set(message, (failures.get(message) ?? 0) + 1);
        // After a network error the browser starts over, as a person would; so many that the
        // app must be gone end the soak for this browser.
        if (!(error instanceof LoginError)) Object.assign(state, { cookie: undefined, loggedIn: false });
        if (Object.values(counts).reduce((n, c) => n + c.failed, 0) > 1000) break;
      }
    }
  };
  await Promise.all(Array.from({ length: browsers }, browser));
  agents.destroy();
  return { failures: Object.fromEntries(failures) };
}

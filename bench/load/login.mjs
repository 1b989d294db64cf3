/**
 * The full login, driven by virtual users: each loops over new logins, as a new browser each
 * time (no cookie at the start):
 *
 *   GET {app}/auth/salesforce        → 302 to the emulator's authorize URL, sets the session cookie
 *   GET {emulator}/…/authorize?…     → 302 to the app's callback with code and state
 *   GET {app}/auth/salesforce/callback?code&state (with the cookie)
 *                                    → token exchange and identity fetch in the app → 302 to /done
 *
 * autocannon cannot carry a cookie and a Location from one request to the next, hence this
 * driver: plain `http.request` with keep-alive agents, one latency per whole login.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { URL } from 'node:url';
import { latencySummary, Samples } from '../lib/stats.mjs';

function get(url, agent, cookie) {
  return new Promise((resolve, reject) => {
    const headers = cookie ? { cookie } : {};
    const request = http.get(url, { agent, headers }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode, location: response.headers.location, setCookie: response.headers['set-cookie'] }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** The session cookie a response sets. */
function sessionCookie(setCookie) {
  return setCookie?.find((value) => value.startsWith('app.sid='))?.split(';')[0];
}

/** A login that got an unexpected answer; the virtual user goes on with the next one. */
export class LoginError extends Error {}

/** A network error of one step of a login, named after the step (`start: read ECONNRESET`). */
function step(name, request) {
  return request.catch((error) => {
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
}

/** Two keep-alive agents, one per server, for `users` browsers in flight. */
export function browserAgents(users) {
  const agents = {
    app: new http.Agent({ keepAlive: true, maxSockets: users }),
    emulator: new http.Agent({ keepAlive: true, maxSockets: users }),
  };
  return { ...agents, destroy: () => Object.values(agents).forEach((agent) => agent.destroy()) };
}

/** One whole login as a new browser. Resolves to the time the app took to answer the callback, in ms. */
export async function login(appUrl, agents) {
  const start = await step('start', get(`${appUrl}/auth/salesforce`, agents.app));
  const cookie = sessionCookie(start.setCookie);
  if (start.status !== 302 || !start.location || !cookie) throw new LoginError(`start answered ${start.status}`);
  const authorize = await step('authorize', get(start.location, agents.emulator));
  if (authorize.status !== 302 || !authorize.location) throw new LoginError(`authorize answered ${authorize.status}`);
  const began = performance.now();
  const callback = await step('callback', get(new URL(authorize.location, start.location).href, agents.app, cookie));
  if (callback.status !== 302 || callback.location !== '/done')
    throw new LoginError(`callback answered ${callback.status} → ${callback.location}`);
  return performance.now() - began;
}

/**
 * New browsers logging in for `duration` seconds, `virtualUsers` at a time. `latencies`: where to
 * add the logins' latencies, to summarise several runs as one.
 */
export async function runLogins({ appUrl, virtualUsers, duration, latencies = new Samples() }) {
  const agents = browserAgents(virtualUsers);
  const logins = latencies.length;
  const failures = new Map();
  const began = performance.now();
  const deadline = began + duration * 1000;

  const virtualUser = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await login(appUrl, agents);
        latencies.push(performance.now() - t0);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.set(message, (failures.get(message) ?? 0) + 1);
        if (!(error instanceof LoginError)) break; // a network error: this user stops
      }
    }
  };
  await Promise.all(Array.from({ length: virtualUsers }, virtualUser));
  const seconds = (performance.now() - began) / 1000;
  agents.destroy();
  return {
    loginsPerSecond: (latencies.length - logins) / seconds,
    logins: latencies.length - logins,
    seconds,
    latency: latencySummary(latencies.values()),
    failures: Object.fromEntries(failures),
  };
}

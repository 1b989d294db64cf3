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

function sessionCookie(setCookie) {
  const header = setCookie?.find((value) => value.startsWith('app.sid='));
  return header?.split(';')[0];
}

class LoginError extends Error {}

async function login(appUrl, appAgent, emulatorAgent) {
  const start = await get(`${appUrl}/auth/salesforce`, appAgent);
  const cookie = sessionCookie(start.setCookie);
  if (start.status !== 302 || !start.location || !cookie) throw new LoginError(`start answered ${start.status}`);
  const authorize = await get(start.location, emulatorAgent);
  if (authorize.status !== 302 || !authorize.location) throw new LoginError(`authorize answered ${authorize.status}`);
  const callback = await get(new URL(authorize.location, start.location).href, appAgent, cookie);
  if (callback.status !== 302 || callback.location !== '/done')
    throw new LoginError(`callback answered ${callback.status} → ${callback.location}`);
}

export async function runLogins({ appUrl, virtualUsers, duration }) {
  const appAgent = new http.Agent({ keepAlive: true, maxSockets: virtualUsers });
  const emulatorAgent = new http.Agent({ keepAlive: true, maxSockets: virtualUsers });
  const latencies = new Samples();
  const failures = new Map();
  const began = performance.now();
  const deadline = began + duration * 1000;

  const virtualUser = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await login(appUrl, appAgent, emulatorAgent);
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
  appAgent.destroy();
  emulatorAgent.destroy();
  return {
    loginsPerSecond: latencies.length / seconds,
    logins: latencies.length,
    seconds,
    latency: latencySummary(latencies.values()),
    failures: Object.fromEntries(failures),
  };
}

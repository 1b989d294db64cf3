/**
 * Memory of pending logins, for one contender: `node --expose-gc bench/memory.mjs <contender> <emulator-json> <logins> <sessions>`.
 * Prints one JSON line.
 *
 * - Bytes per pending login: the JSON of one session in express-session's MemoryStore (which
 *   stores exactly that string) before and after each of 12 logins started in it; the first
 *   delta includes the strategy's session key, later ones are one entry each, and past the cap
 *   (10 by default) a new login replaces the oldest.
 * - Heap: `logins` abandoned logins (started, never finished) spread round-robin over `sessions`
 *   sessions, heap used after a forced GC at checkpoints (after a warm-up that is thrown away).
 *   Once every session holds its cap, more logins must not grow it.
 *
 * The app runs in this process (no load generator here: only sizes are measured).
 */
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { createBenchApp } from './lib/apps.mjs';

const [contender, emulatorJson, loginsArg = '10000', sessionsArg = '100'] = process.argv.slice(2);
const totalLogins = Number(loginsArg);
const sessionCount = Number(sessionsArg);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

const { app, store } = createBenchApp(contender, JSON.parse(emulatorJson));
const server = await new Promise((resolve) => {
  const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
});
const base = `http://127.0.0.1:${server.address().port}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function get(path, cookie) {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${path}`, { agent, headers: cookie ? { cookie } : {} }, (response) => {
        response.resume();
        response.on('end', () => resolve(response));
      })
      .on('error', reject);
  });
}

/** Opens a session (one harmless value in it) and returns its cookie. */
async function openSession() {
  const response = await get('/touch');
  return response.headers['set-cookie'][0].split(';')[0];
}

async function startLogin(cookie) {
  const response = await get('/auth/salesforce', cookie);
  if (response.statusCode !== 302) throw new Error(`login start answered ${response.statusCode}`);
}

const sessionJson = () => Object.values(store.sessions);
const storeBytes = () => sessionJson().reduce((sum, json) => sum + Buffer.byteLength(json), 0);
const heapAfterGc = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

// Bytes per pending login, in a single session.
store.clear();
const probe = await openSession();
const sizes = [storeBytes()];
const [sessionBefore] = sessionJson();
let sessionAfterOne;
for (let i = 0; i < 12; i += 1) {
  await startLogin(probe);
  sizes.push(storeBytes());
  if (i === 0) [sessionAfterOne] = sessionJson();
}
const deltas = sizes.slice(1).map((size, i) => size - sizes[i]);
store.clear();

// Heap after many abandoned logins over many sessions. First a warm-up of the same size as the
// first checkpoint, thrown away, so that compiled code and the sockets are in place before the
// baseline and only session data can make the heap grow.
async function abandonLogins(cookies, from, to) {
  for (let started = from; started < to;) {
    // Round-robin, a few in flight at a time.
    const batch = [];
    for (let i = 0; i < 8 && started < to; i += 1, started += 1) batch.push(startLogin(cookies[started % cookies.length]));
    await Promise.all(batch);
  }
}
const warmup = [];
for (let i = 0; i < sessionCount; i += 1) warmup.push(await openSession());
await abandonLogins(warmup, 0, sessionCount * 10);
store.clear();

const cookies = [];
for (let i = 0; i < sessionCount; i += 1) cookies.push(await openSession());
const checkpoints = [...new Set([sessionCount * 10, Math.round(totalLogins / 2), totalLogins])]
  .filter((n) => n <= totalLogins)
  .sort((a, b) => a - b);
const heap = [{ logins: 0, heapUsed: heapAfterGc(), storeBytes: storeBytes() }];
let started = 0;
for (const checkpoint of checkpoints) {
  await abandonLogins(cookies, started, checkpoint);
  started = checkpoint;
  heap.push({ logins: started, heapUsed: heapAfterGc(), storeBytes: storeBytes() });
}

agent.destroy();
server.closeAllConnections();
server.close();
process.stdout.write(
  `${JSON.stringify({
    contender,
    sessionSizes: sizes,
    bytesPerPendingLogin: deltas,
    sessionBefore,
    sessionAfterOne,
    sessions: sessionCount,
    heap,
  })}\n`,
);

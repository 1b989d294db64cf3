/**
 * One contender's app, alone in its process: `node bench/servers/app.mjs <contender> <emulator-json>`.
 * Calls: `reset()` (empties the session store and collects garbage, between rounds),
 * `errors()`, `expireKeys()` (makes this strategy's cached keys of every login host
 * stale; nothing for the others, which cache none), `profileStart()` and
 * `profileStop({ path })` (a V8 CPU profile of this process in between, written to `path`;
 * resolves to the logins started and finished meanwhile, and the CPU time spent), `cpu()`, `gc()`.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector';
import { createBenchApp } from '../lib/apps.mjs';
import { processCalls, serveCalls } from '../lib/processes.mjs';

const [contender, emulatorJson] = process.argv.slice(2);
// Listening first: openid-client's strategy wants the app's absolute callback URL.
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}`;
const { app, store, strategy, errors, served } = await createBenchApp(contender, JSON.parse(emulatorJson), url);
server.on('request', app);

const inspector = new Session();
const post = (method, params = {}) =>
  new Promise((resolve, reject) => inspector.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
let servedAtStart;

serveCalls(
  { url, contender },
  {
    ...processCalls,
    reset: () =>
      new Promise((resolve, reject) => {
        store.clear((err) => (err ? reject(err) : resolve(processCalls.gc())));
      }),
    errors: () => ({ count: errors.count, messages: [...errors.messages] }),
    // Internal to the strategy, reached here only to measure a login on a cold key cache: the
    // keys of every login host made 10 minutes old, as if the app had not logged anyone in since.
    expireKeys: () => {
      for (const set of strategy?._idTokens?.keySets?.sets?.values() ?? []) set.fetchedAt = 0;
      return true;
    },
    profileStart: async () => {
      inspector.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 250 });
      await post('Profiler.start');
      servedAtStart = { ...served, cpu: processCalls.cpu() };
      return true;
    },
    profileStop: async ({ path }) => {
      const { profile } = await post('Profiler.stop');
      const during = {
        starts: served.starts - servedAtStart.starts,
        callbacks: served.callbacks - servedAtStart.callbacks,
        cpuMicros: processCalls.cpu() - servedAtStart.cpu,
      };
      inspector.disconnect();
      writeFileSync(path, JSON.stringify(profile));
      return during;
    },
  },
  () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  },
);

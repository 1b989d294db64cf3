/**
 * One contender's app, alone in its process: `node bench/servers/app.mjs <contender> <emulator-json> [options-json]`
 * (options as `createBenchApp` takes them, minus the store). Calls: `reset()` (empties the
 * session store and collects garbage, between rounds), `errors()`, `served()`, `sessions()`
 * (the JSON size of each stored session), `memory()` (after a forced GC when `{ gc: true }`),
 * `keyCache()` (how many login hosts' keys this strategy holds), `cpu()`, `gc()`.
 */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { createBenchApp } from '../lib/apps.mjs';
import { processCalls, serveCalls } from '../lib/processes.mjs';

const [contender, emulatorJson, optionsJson = '{}'] = process.argv.slice(2);
// Listening first: openid-client's strategy wants the app's absolute callback URL.
const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}`;
const { app, store, strategy, errors, served } = await createBenchApp(contender, JSON.parse(emulatorJson), url, JSON.parse(optionsJson));
server.on('request', app);

serveCalls(
  { url, contender },
  {
    ...processCalls,
    reset: () =>
      new Promise((resolve, reject) => {
        store.clear((err) => (err ? reject(err) : resolve(processCalls.gc())));
      }),
    errors: () => ({ count: errors.count, messages: [...errors.messages] }),
    served: () => ({ ...served }),
    // MemoryStore keeps each session as the JSON string a store would write.
    sessions: () => Object.values(store.sessions).map((json) => Buffer.byteLength(json)),
    memory: ({ gc = false }) => {
      if (gc) {
        globalThis.gc?.();
        globalThis.gc?.();
      }
      return { ...process.memoryUsage(), sessions: Object.keys(store.sessions).length };
    },
    // Internal to the strategy, read here only to plot how it grows: one entry per login host.
    keyCache: () => strategy?._idTokens?.keySets?.size ?? null,
  },
  () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  },
);

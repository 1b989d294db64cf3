/**
 * One contender's app, alone in its process: `node bench/servers/app.mjs <contender> <emulator-json>`.
 * Calls: `reset()` (empties the session store and collects garbage, between rounds), `errors()`, `cpu()`, `gc()`.
 */
import { createBenchApp } from '../lib/apps.mjs';
import { processCalls, serveCalls } from '../lib/processes.mjs';

const [contender, emulatorJson] = process.argv.slice(2);
const { app, store, errors } = createBenchApp(contender, JSON.parse(emulatorJson));
const server = await new Promise((resolve) => {
  const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
});

serveCalls(
  { url: `http://127.0.0.1:${server.address().port}`, contender },
  {
    ...processCalls,
    reset: () =>
      new Promise((resolve, reject) => {
        store.clear((err) => (err ? reject(err) : resolve(processCalls.gc())));
      }),
    errors: () => ({ count: errors.count, messages: [...errors.messages] }),
  },
  () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  },
);

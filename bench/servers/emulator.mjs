/**
 * The emulated Salesforce, alone in its process. Calls: `addApp({ app })`, `reset()` (drops the
 * request log, which the emulator keeps for tests, so it does not grow across rounds), `cpu()`, `gc()`.
 */
import { startEmulator } from 'salesforce-oauth-emulator';
import { processCalls, serveCalls } from '../lib/processes.mjs';

// One user logs in thousands of times at once: no grant limit, which would revoke logins still in flight.
const emulator = await startEmulator({ maxGrantsPerUserPerApp: false });
const [user] = emulator.users;

serveCalls(
  { url: emulator.url, orgId: emulator.orgId, userId: user.userId, username: user.username },
  {
    ...processCalls,
    addApp: ({ app }) => {
      emulator.addApp(app);
      return true;
    },
    reset: () => {
      emulator.requests.length = 0;
      return processCalls.gc();
    },
  },
  () => emulator.close(),
);

/**
 * The emulated Salesforce, alone in its process, without a request log (a benchmark sends
 * millions of requests). Calls: `addApp({ app })`, `setDelay({ ms })` (every call an app makes to
 * Salesforce — token, identity, UserInfo, keys, revoke — answered `ms` later, with the emulator's
 * `delay` fault; 0: at once), `reset()` (a forced GC), `cpu()`, `gc()`.
 */
import { startEmulator } from 'salesforce-oauth-emulator';
import { processCalls, serveCalls } from '../lib/processes.mjs';

/** The endpoints an app calls from its server; the browser's authorize request is not delayed. */
const SERVER_CALLS = ['token', 'identity', 'userinfo', 'keys', 'revoke'];

const emulator = await startEmulator({
  recordRequests: false,
  // One user logs in thousands of times at once: no grant limit, which would revoke logins still in flight.
  maxGrantsPerUserPerApp: false,
});
const [user] = emulator.users;

serveCalls(
  { url: emulator.url, orgId: emulator.orgId, userId: user.userId },
  {
    ...processCalls,
    addApp: ({ app }) => {
      emulator.addApp(app);
      return true;
    },
    setDelay: ({ ms }) => {
      for (const endpoint of SERVER_CALLS) emulator.setFault(endpoint, ms > 0 ? { kind: 'delay', ms } : undefined);
      return true;
    },
    reset: () => processCalls.gc(),
  },
  () => emulator.close(),
);

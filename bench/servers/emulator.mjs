/**
 * The emulated Salesforce, alone in its process, without a request log (a benchmark sends
 * millions of requests). Calls: `addApp({ app })`, `addOrgs({ count })` (one user in each of
 * `count` new orgs; resolves to their usernames), `reset()` (a forced GC), `cpu()`, `gc()`.
 */
import { startEmulator } from 'salesforce-oauth-emulator';
import { MAX_ORGS, siteURL } from '../lib/sites.mjs';
import { processCalls, serveCalls } from '../lib/processes.mjs';

const emulator = await startEmulator({
  recordRequests: false,
  // One user logs in thousands of times at once: no grant limit, which would revoke logins still in flight.
  maxGrantsPerUserPerApp: false,
  // The orgs part's login bases, /site1 … /siteN: the emulator serves only the site paths it is given.
  sites: Array.from({ length: MAX_ORGS }, (_, i) => siteURL('', i + 1)),
});
const [user] = emulator.users;

/** Salesforce's 18-character id: the 15-character one and a 3-character case checksum. */
function eighteen(id15) {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) if (/[A-Z]/.test(id15[chunk * 5 + i])) bits |= 1 << i;
    suffix += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[bits];
  }
  return id15 + suffix;
}

let orgs = 0;
serveCalls(
  { url: emulator.url, orgId: emulator.orgId, userId: user.userId, username: user.username },
  {
    ...processCalls,
    addApp: ({ app }) => {
      emulator.addApp(app);
      return true;
    },
    addOrgs: ({ count }) => {
      const usernames = [];
      for (let i = 0; i < count; i += 1) {
        orgs += 1;
        const username = `user@org${orgs}.example.com`;
        emulator.addUser({ username, orgId: eighteen(`00D${orgs.toString(36).toUpperCase().padStart(12, '0')}`) });
        usernames.push(username);
      }
      return usernames;
    },
    reset: () => processCalls.gc(),
  },
  () => emulator.close(),
);

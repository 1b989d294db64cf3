// An app's first session with nforce: the web server flow (nforce sends no PKCE), then the calls
// an app makes first. Run by nforce.conformance.ts on the pinned nforce with the emulator's CA in
// NODE_EXTRA_CA_CERTS, the emulator's URL and the redirect URI as arguments; the headless
// emulator approves at once. Prints one JSON line of what each call answered. Revoke is left
// out: nforce sends it to login.salesforce.com whatever the login URL.
const nforce = require('nforce');

const [emulatorUrl, redirectUri] = process.argv.slice(2);

async function main() {
  const org = nforce.createConnection({
    clientId: 'nforce-app',
    clientSecret: 'nforce-secret',
    redirectUri,
    authEndpoint: `${emulatorUrl}/services/oauth2/authorize`,
    loginUri: `${emulatorUrl}/services/oauth2/token`,
    apiVersion: 62,
    mode: 'single',
  });
  const outcome = async (call) => {
    try {
      return { ok: await call() };
    } catch (error) {
      return { error: { errorCode: error.errorCode, statusCode: error.statusCode, message: error.message } };
    }
  };
  const authorize = await fetch(org.getAuthUri({ scope: ['api', 'refresh_token'] }), { redirect: 'manual' });
  const code = new URL(authorize.headers.get('location')).searchParams.get('code');
  const authenticate = await outcome(() => org.authenticate({ code }).then((oauth) => Object.keys(oauth).sort()));
  const identity = await outcome(() => org.getIdentity().then((result) => result.username));
  const query = await outcome(() =>
    org
      .query({ query: 'SELECT Id, Name, Profile.Name FROM User ORDER BY Name' })
      .then((result) => result.records.map((record) => [record.get('Name'), record.get('Profile')?.Name])),
  );
  const sobjects = await outcome(() => org.getSObjects().then((result) => result.sobjects.map((sobject) => sobject.name)));
  const describe = await outcome(() => org.getDescribe({ type: 'User' }).then((result) => result.name));
  const limits = await outcome(() => org.getLimits().then((result) => result.DailyApiRequests.Max));
  const search = await outcome(() => org.search({ search: 'FIND {Ada} IN ALL FIELDS RETURNING User(Name)' }));
  const refresh = await outcome(() => org.refreshToken().then((oauth) => oauth.access_token !== undefined));
  const afterRefresh = await outcome(() => org.query({ query: 'SELECT COUNT() FROM User' }).then((result) => result.totalSize));
  console.log(JSON.stringify({ authenticate, identity, query, sobjects, describe, limits, search, refresh, afterRefresh }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

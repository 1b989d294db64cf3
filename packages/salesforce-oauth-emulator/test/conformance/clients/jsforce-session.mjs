// An app's first session with jsforce: the web server flow with jsforce's own PKCE, then the
// calls an app makes first. Run by jsforce.conformance.ts on the pinned jsforce, with the
// emulator's URL, its CA file and the redirect URI as arguments; prints the authorization URL, reads the callback URL
// from stdin, and prints one JSON line of what each call answered.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { URL } from 'node:url';
import tls from 'node:tls';
import { Connection, OAuth2 } from 'jsforce';

const [emulatorUrl, caFile, redirectUri] = process.argv.slice(2);
tls.setDefaultCACertificates([...tls.getCACertificates('default'), readFileSync(caFile, 'utf8')]);

const oauth2 = new OAuth2({
  loginUrl: emulatorUrl,
  clientId: 'jsforce-app',
  clientSecret: 'jsforce-secret',
  redirectUri,
  useVerifier: true,
});
console.log(oauth2.getAuthorizationUrl({ scope: 'api refresh_token' }));
const lines = createInterface({ input: process.stdin });
const callback = new URL((await lines[Symbol.asyncIterator]().next()).value);
lines.close();

const conn = new Connection({ oauth2 });
const outcome = async (call) => {
  try {
    return { ok: await call() };
  } catch (error) {
    return { error: { name: error.name, errorCode: error.errorCode, message: error.message } };
  }
};
const identity = await outcome(() => conn.authorize(callback.searchParams.get('code')).then(() => conn.identity()));
const query = await outcome(() => conn.query('SELECT Id, Name, Profile.Name FROM User WHERE CreatedDate = LAST_N_DAYS:1'));
const limitInfo = conn.limitInfo;
const describeGlobal = await outcome(() => conn.describeGlobal().then((result) => result.sobjects.map((sobject) => sobject.name)));
const describe = await outcome(() => conn.describe('User').then((result) => result.fields.map((field) => field.name)));
const retrieve = await outcome(() => conn.sobject('User').retrieve(identity.ok?.user_id));
const limits = await outcome(() => conn.limits().then((result) => result.DailyApiRequests));
const search = await outcome(() => conn.search('FIND {Ada} IN ALL FIELDS RETURNING User(Name)'));
const refresh = await outcome(() => oauth2.refreshToken(conn.refreshToken).then((result) => Object.keys(result).sort()));
const { accessToken, instanceUrl } = conn;
const afterLogout = await outcome(() =>
  conn.logout(true).then(() => new Connection({ instanceUrl, accessToken }).query('SELECT Id FROM User')),
);
console.log(JSON.stringify({ identity, query, limitInfo, describeGlobal, describe, retrieve, limits, search, refresh, afterLogout }));
